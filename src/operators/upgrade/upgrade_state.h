// The states a node passes through while its driver is upgraded, with the
// label values upstream's upgrade library writes. Pure functions.
#ifndef OPERATORS_UPGRADE_UPGRADE_STATE_H_
#define OPERATORS_UPGRADE_UPGRADE_STATE_H_

#include <optional>
#include <string>
#include <string_view>

namespace upgrade {

enum class UpgradeState {
  kUnknown,               // no label yet
  kUpgradeRequired,       // the driver pod is behind, waiting for a slot
  kCordonRequired,
  kWaitForJobsRequired,   // waiting for the workloads named by waitForCompletion
  kPodDeletionRequired,   // deleting the pods that use the driver (GPU pods)
  kDrainRequired,
  kPodRestartRequired,    // deleting the old driver pod; waiting for the new one to be Ready
  kValidationRequired,    // waiting for the validator pod on the node
  kUncordonRequired,
  kUpgradeDone,
  kUpgradeFailed,
};

// The label value ("" for kUnknown).
std::string_view StateName(UpgradeState state);
// The state of a label value; nullopt for a value no state has.
std::optional<UpgradeState> ParseState(std::string_view value);

// Whether the node counts as being upgraded: every state but unknown, done and upgrade-required.
bool InProgress(UpgradeState state);

}  // namespace upgrade

#endif  // OPERATORS_UPGRADE_UPGRADE_STATE_H_
