#include "upgrade_keys.h"

namespace upgrade {

UpgradeKeys KeysForDriver(const std::string& driver) {
  const std::string base = "nvidia.com/" + driver + "-driver-upgrade";
  UpgradeKeys k;
  k.driver = driver;
  k.state_label = base + "-state";
  k.skip_label = base + ".skip";
  k.drain_skip_label = base + "-drain.skip";
  k.safe_load_annotation = base + ".driver-wait-for-safe-load";
  k.initial_unschedulable_annotation = base + ".node-initial-state.unschedulable";
  k.wait_start_annotation = base + "-wait-for-pod-completion-start-time";
  k.validation_start_annotation = base + "-validation-start-time";
  k.eviction_start_annotation = base + "-eviction-start-time";
  k.requested_annotation = base + "-requested";
  k.failure_annotation = base + "-failure-reason";
  return k;
}

}  // namespace upgrade
