// The rig suites' entry point: one control plane for the whole binary.
#include <gtest/gtest.h>

#include "rig_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new rig::RigEnvironment());  // gtest takes ownership
  return RUN_ALL_TESTS();
}
