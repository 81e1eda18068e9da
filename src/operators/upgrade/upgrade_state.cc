#include "upgrade_state.h"

#include <array>
#include <utility>

namespace upgrade {
namespace {

constexpr std::array<std::pair<UpgradeState, std::string_view>, 11> kNames = {{
    {UpgradeState::kUnknown, ""},
    {UpgradeState::kUpgradeRequired, "upgrade-required"},
    {UpgradeState::kCordonRequired, "cordon-required"},
    {UpgradeState::kWaitForJobsRequired, "wait-for-jobs-required"},
    {UpgradeState::kPodDeletionRequired, "pod-deletion-required"},
    {UpgradeState::kDrainRequired, "drain-required"},
    {UpgradeState::kPodRestartRequired, "pod-restart-required"},
    {UpgradeState::kValidationRequired, "validation-required"},
    {UpgradeState::kUncordonRequired, "uncordon-required"},
    {UpgradeState::kUpgradeDone, "upgrade-done"},
    {UpgradeState::kUpgradeFailed, "upgrade-failed"},
}};

}  // namespace

std::string_view StateName(UpgradeState state) {
  for (const auto& [s, name] : kNames) {
    if (s == state) return name;
  }
  return "";
}

std::optional<UpgradeState> ParseState(std::string_view value) {
  for (const auto& [s, name] : kNames) {
    if (name == value) return s;
  }
  return std::nullopt;
}

bool InProgress(UpgradeState state) {
  return state != UpgradeState::kUnknown && state != UpgradeState::kUpgradeDone &&
         state != UpgradeState::kUpgradeRequired;
}

}  // namespace upgrade
