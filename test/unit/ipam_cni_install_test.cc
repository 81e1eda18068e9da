// The node daemon's CNI install: the plugin copied into the host's bin
// directory and a defaults file the plugin reads back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cni/plugin_config.h"
#include "node/cni_install.h"

namespace ipam {
namespace {

namespace fs = std::filesystem;

class CniInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cni-install-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "bin");
    fs::create_directories(root_ / "conf");
    std::ofstream(root_ / "plugin") << "plugin v1";
    options_.plugin_source = (root_ / "plugin").string();
    options_.bin_dir = (root_ / "bin").string();
    options_.conf_dir = (root_ / "conf").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path root_;
  CniInstallOptions options_;
};

TEST_F(CniInstallTest, CopiesThePluginAndWritesDefaultsThePluginReads) {
  options_.daemon_socket = "unix:///run/test/daemon.sock";
  options_.daemon_call_timeout_seconds = 9;
  options_.log_file = "/var/log/test.log";
  options_.log_level = "debug";
  ASSERT_TRUE(InstallCni(options_).ok());
  EXPECT_EQ(Read(root_ / "bin" / "nv-ipam"), "plugin v1");
  const fs::perms mode = fs::status(root_ / "bin" / "nv-ipam").permissions();
  EXPECT_NE(mode & fs::perms::others_exec, fs::perms::none);
  EXPECT_EQ(nlohmann::json::parse(Read(root_ / "conf" / "nv-ipam.conf")),
            nlohmann::json({{"daemonSocket", "unix:///run/test/daemon.sock"}, {"daemonCallTimeoutSeconds", 9},
                            {"logFile", "/var/log/test.log"}, {"logLevel", "debug"}}));

  // The plugin, pointed at the directory, takes the daemon's settings from the file.
  nlohmann::json network = {{"cniVersion", "1.0.0"}, {"name", "net"},
                            {"ipam", {{"type", "nv-ipam"}, {"poolName", "p"}, {"confDir", options_.conf_dir}}}};
  auto config = LoadPluginConfig(network, "K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->daemon_socket, "/run/test/daemon.sock");
  EXPECT_EQ(config->daemon_timeout, std::chrono::seconds(9));
  EXPECT_EQ(config->log_level, "debug");
}

TEST_F(CniInstallTest, ASecondInstallReplacesBothFilesAndLeavesNoTemporaryFile) {
  ASSERT_TRUE(InstallCni(options_).ok());
  std::ofstream(root_ / "plugin", std::ios::trunc) << "plugin v2";
  options_.log_level = "error";
  ASSERT_TRUE(InstallCni(options_).ok());
  EXPECT_EQ(Read(root_ / "bin" / "nv-ipam"), "plugin v2");
  EXPECT_EQ(nlohmann::json::parse(Read(root_ / "conf" / "nv-ipam.conf"))["logLevel"], "error");
  int entries = 0;
  for (const auto& dir : {root_ / "bin", root_ / "conf"}) {
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  }
  EXPECT_EQ(entries, 2);
}

TEST_F(CniInstallTest, SkippedStepsTouchNothing) {
  options_.skip_binary = true;
  options_.skip_config = true;
  options_.plugin_source = (root_ / "missing").string();
  options_.bin_dir = (root_ / "missing-bin").string();
  ASSERT_TRUE(InstallCni(options_).ok());
  EXPECT_TRUE(fs::is_empty(root_ / "conf"));
  EXPECT_FALSE(fs::exists(root_ / "missing-bin"));
}

TEST_F(CniInstallTest, MissingPathsAreErrorsNamingTheFlag) {
  CniInstallOptions missing_plugin = options_;
  missing_plugin.plugin_source = (root_ / "missing").string();
  kube::Status s = InstallCni(missing_plugin);
  EXPECT_EQ(s.code(), kube::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("--cni-nv-ipam-bin-file"), std::string::npos) << s.message();

  CniInstallOptions missing_bin = options_;
  missing_bin.bin_dir = (root_ / "nowhere").string();
  s = InstallCni(missing_bin);
  EXPECT_NE(s.message().find("--cni-bin-dir"), std::string::npos) << s.message();

  CniInstallOptions missing_conf = options_;
  missing_conf.conf_dir = (root_ / "nowhere").string();
  s = InstallCni(missing_conf);
  EXPECT_NE(s.message().find("--cni-conf-dir"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(root_ / "nowhere"));
}

}  // namespace
}  // namespace ipam
