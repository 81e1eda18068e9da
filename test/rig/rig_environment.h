// RigEnvironment: one real control plane (hack/rig) per test binary.
//
// Tests share it and isolate themselves by namespace. It is started before
// the first test and stopped after the last, by the rig's own `down`, which
// stops every process it started.
#ifndef TEST_RIG_RIG_ENVIRONMENT_H_
#define TEST_RIG_RIG_ENVIRONMENT_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/client.h"

namespace rig {

class RigEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;

  static RigEnvironment& Get();

  const std::string& kubeconfig() const { return kubeconfig_; }
  // A kubeconfig of a user with no permissions at all.
  std::string nobody_kubeconfig() const { return dir_ + "/nobody.kubeconfig"; }
  const std::string& dir() const { return dir_; }

  // Runs `hack/rig --dir DIR <args>`; returns its exit code, stdout in `out`.
  int RigCommand(const std::string& args, std::string* out = nullptr) const;

  // An admin client.
  std::shared_ptr<kube::Client> NewClient() const;
  // Creates a namespace with a unique name starting with `prefix`.
  std::string NewNamespace(const std::string& prefix) const;
  // Server-side applies every object of a YAML file or of every file in a directory
  // (kinds of CRDs applied just before are waited for).
  [[nodiscard]] kube::Status ApplyPath(const std::string& path) const;
  // Server-side applies objects in order, waiting for kinds of CRDs applied just before.
  [[nodiscard]] kube::Status ApplyObjects(const std::vector<nlohmann::json>& objects) const;

 private:
  std::string dir_;
  std::string kubeconfig_;
};

// Runs a shell command; returns its exit status and stdout.
int Shell(const std::string& command, std::string* out);

}  // namespace rig

#endif  // TEST_RIG_RIG_ENVIRONMENT_H_
