// The registry client against a real OCI registry on loopback: tags listed
// with a pull secret's credentials, and each way a listing fails named.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "oci_registry.h"
#include "registry/credentials.h"
#include "registry/tag_lister.h"

namespace {

using registry::ListOptions;

class RegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = std::make_unique<rig::OciRegistry>();
    ASSERT_TRUE(registry_->ready()) << registry_->Output();
    ASSERT_TRUE(registry_->Push("mellanox/doca-driver", {"25.04-0.6.1.0-2-ubuntu22.04-amd64",
                                                         "25.04-0.6.1.0-2-5.15.0-105-generic-ubuntu22.04-amd64"}));
  }
  static void TearDownTestSuite() { registry_.reset(); }

  static registry::ImageRepository Repo(const std::string& path) {
    return *registry::ParseImageRepository(registry_->host() + "/" + path);
  }
  // The credentials as the operator finds them: from the pull secret's data.
  static std::optional<registry::Credentials> FromPullSecret() {
    auto found = registry::CredentialsFor(registry_->PullSecret("ns", "s")["data"], "s", registry_->host());
    return found.ok() ? *found : std::nullopt;
  }

  static std::unique_ptr<rig::OciRegistry> registry_;
};
std::unique_ptr<rig::OciRegistry> RegistryTest::registry_;

TEST_F(RegistryTest, ListsTagsWithThePullSecretsCredentials) {
  ListOptions options;
  options.credentials = FromPullSecret();
  ASSERT_TRUE(options.credentials.has_value());
  auto tags = registry::ListTags(Repo("mellanox/doca-driver"), options);
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  std::sort(tags->begin(), tags->end());
  EXPECT_EQ(*tags, (std::vector<std::string>{"25.04-0.6.1.0-2-5.15.0-105-generic-ubuntu22.04-amd64",
                                             "25.04-0.6.1.0-2-ubuntu22.04-amd64"}));
}

TEST_F(RegistryTest, EachFailureIsNamed) {
  const registry::ImageRepository repo = Repo("mellanox/doca-driver");
  // No credentials: the registry asks for them.
  auto anonymous = registry::ListTags(repo, {});
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.status().code(), kube::Code::kUnauthorized);
  EXPECT_EQ(anonymous.status().message(),
            repo.Name() + ": the registry asks for credentials; name a pull secret that has them");
  // Wrong ones: refused.
  ListOptions wrong;
  wrong.credentials = registry::Credentials{"puller", "not-the-password"};
  auto refused = registry::ListTags(repo, wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), kube::Code::kUnauthorized);
  EXPECT_NE(refused.status().message().find("refused the pull secret's"), std::string::npos);
  // No such repository.
  ListOptions good;
  good.credentials = FromPullSecret();
  auto missing = registry::ListTags(Repo("mellanox/no-such-driver"), good);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), kube::Code::kNotFound);
  EXPECT_EQ(missing.status().message(), registry_->host() + "/mellanox/no-such-driver: no such repository on the registry");
  // Nothing listening.
  auto closed = registry::ListTags(*registry::ParseImageRepository("127.0.0.1:9/a"), good);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.status().code(), kube::Code::kUnavailable);
}

// A registry that sends clients to a token service (as nvcr.io and Docker Hub do): the listing
// gets a token there and lists with it.
TEST(RegistryBearerTest, ListsWithATokenFromTheTokenService) {
  rig::OciRegistry bearer(rig::OciRegistry::SignIn::kBearer);
  ASSERT_TRUE(bearer.ready()) << bearer.Output() << bearer.TokenServiceLog();
  ASSERT_TRUE(bearer.Push("nvidia/mellanox/doca-driver", {"25.04-0.6.1.0-2-ubuntu22.04-amd64"}));
  const registry::ImageRepository repo = *registry::ParseImageRepository(bearer.host() + "/nvidia/mellanox/doca-driver");
  auto tags = registry::ListTags(repo, {});
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(*tags, std::vector<std::string>{"25.04-0.6.1.0-2-ubuntu22.04-amd64"});
  EXPECT_NE(bearer.TokenServiceLog().find("url:/token"), std::string::npos) << bearer.TokenServiceLog();
}

// A registry that takes the connection and never answers costs the timeout, not more.
TEST_F(RegistryTest, ASilentRegistryTimesOut) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 4), 0);  // the kernel completes connections; no one reads them
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ListOptions options;
  options.timeout = std::chrono::milliseconds(500);
  auto silent = registry::ListTags(*registry::ParseImageRepository("127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/a"),
                                   options);
  close(fd);
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.status().code(), kube::Code::kTimeout) << silent.status().ToString();
}

}  // namespace
