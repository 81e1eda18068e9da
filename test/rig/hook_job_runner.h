// HookJobRunner: the kubelet's part for the pods of one Job on the rig, whose
// kwok nodes run no containers. While it lives, each pod of the Job that kwok
// reports running is run by the test's `run` (the Job's container, as the test
// runs it: our binary, or our image with podman) and its exit code is written
// into the pod's status, so the Job completes or fails as on a real node and a
// Helm hook waiting on it goes on. Thread-safe: one thread of its own.
#ifndef TEST_RIG_HOOK_JOB_RUNNER_H_
#define TEST_RIG_HOOK_JOB_RUNNER_H_

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/client.h"

namespace rig {

class HookJobRunner {
 public:
  // Runs the pod (its spec in `pod`); returns the container's exit code, its output in `output`.
  using Run = std::function<int(const nlohmann::json& pod, std::string* output)>;

  HookJobRunner(std::shared_ptr<kube::Client> client, std::string ns, std::string job, Run run);
  ~HookJobRunner();
  HookJobRunner(const HookJobRunner&) = delete;
  HookJobRunner& operator=(const HookJobRunner&) = delete;

  // How many pods have been run, and what they printed.
  int runs() const;
  std::string output() const;

 private:
  void Loop(std::stop_token stop);

  std::shared_ptr<kube::Client> client_;
  const std::string ns_, job_;
  const Run run_;
  mutable std::mutex mu_;
  std::set<std::string> done_;  // pod uids
  std::string output_;
  std::jthread thread_;
};

// The Job's container args with `from` replaced by `to` in each (an image path mapped to the host's).
std::vector<std::string> ContainerArgs(const nlohmann::json& pod, const std::string& from, const std::string& to);

// A kubeconfig for the rig that authenticates as the ServiceAccount (empty on failure): a program
// run with it has exactly that account's permissions.
std::string ServiceAccountKubeconfig(const std::string& account, const std::string& ns);

// Runs a chart's CRD hook Job as its pod would: `binary` (our operator) with the Job's args and
// nothing but the hook's ServiceAccount, the image's /crds being `crds_dir`.
HookJobRunner::Run CrdHook(const std::string& binary, const std::string& ns, const std::string& crds_dir);

}  // namespace rig

#endif  // TEST_RIG_HOOK_JOB_RUNNER_H_
