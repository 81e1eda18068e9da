// The node daemon: reservations, the crash-safe store, the stale cleaner and
// the socket transport.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <cstring>

#include "kube/metrics.h"
#include "node/daemon_handler.h"
#include "node/ipam_service.h"
#include "node/stale_cleaner.h"
#include "node/store_file.h"
#include "rpc/unix_socket.h"

namespace ipam {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class FixedCatalog : public PoolCatalog {
 public:
  void Set(const std::string& name, const json& pool, PoolType type = PoolType::kIPPool) {
    auto c = NodePoolConfigFor(name, pool, type, "node-1");
    ASSERT_TRUE(c.ok()) << c.status().message();
    configs_[PoolRef{type, name}.Key()] = *c;
  }
  kube::Result<NodePoolConfig> Get(const PoolRef& pool) const override {
    auto it = configs_.find(pool.Key());
    if (it == configs_.end()) return kube::Status(kube::Code::kNotFound, "no pool " + pool.name);
    return it->second;
  }

 private:
  std::map<std::string, NodePoolConfig> configs_;
};

json SmallPool() {
  return {{"spec", {{"subnet", "10.0.0.0/24"}, {"perNodeBlockSize", 6}, {"gateway", "10.0.0.1"},
                    {"defaultGateway", true}, {"routes", {{{"dst", "10.9.0.0/16"}}, {{"dst", "10.9.0.0/16"}}}},
                    {"exclusions", {{{"startIP", "10.0.0.3"}, {"endIP", "10.0.0.3"}}}}}},
          {"status", {{"allocations", {{{"nodeName", "node-1"}, {"startIP", "10.0.0.1"}, {"endIP", "10.0.0.6"}}}}}}};
}

class IpamServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ipam-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    catalog_.Set("pool1", SmallPool());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string StorePath() const { return (dir_ / "store").string(); }

  AllocateRequest Request(const std::string& container) const {
    AllocateRequest r;
    r.pools = {{PoolType::kIPPool, "pool1"}};
    r.container_id = container;
    r.if_name = "net1";
    r.pod = {"default", "pod-" + container, "uid-" + container};
    return r;
  }

  fs::path dir_;
  FixedCatalog catalog_;
};

TEST_F(IpamServiceTest, RoundRobinSkipsGatewayExclusionsAndReserved) {
  IpamService service(catalog_, StoreFile(StorePath()));
  ASSERT_TRUE(service.Open().ok());
  std::vector<std::string> got;
  for (const char* c : {"a", "b", "c", "d"}) {
    auto r = service.Allocate(Request(c));
    ASSERT_TRUE(r.ok()) << r.status().message();
    got.push_back((*r)[0].ip.ToString());
  }
  // .1 is the gateway and .3 is excluded.
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
  auto full = service.Allocate(Request("e"));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), kube::Code::kResourceExhausted);
  EXPECT_NE(full.status().message().find("no free addresses in the allocated range 10.0.0.1-10.0.0.6"),
            std::string::npos);
  // The result carries the gateway, the default route and the pool's routes, each once.
  auto again = service.Allocate(Request("a"));  // a retried ADD gets the same address
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].ip.ToString(), "10.0.0.2");
  EXPECT_EQ((*again)[0].gateway->ToString(), "10.0.0.1");
  ASSERT_EQ((*again)[0].routes.size(), 2u);
  EXPECT_EQ((*again)[0].routes[0].ToString(), "0.0.0.0/0");
  EXPECT_EQ((*again)[0].routes[1].ToString(), "10.9.0.0/16");
  // Round robin continues after the last reserved address, wrapping around.
  ASSERT_TRUE(service.Deallocate({{{PoolType::kIPPool, "pool1"}}, "b", "net1"}).ok());
  ASSERT_TRUE(service.Deallocate({{{PoolType::kIPPool, "pool1"}}, "b", "net1"}).ok());  // idempotent
  auto reuse = service.Allocate(Request("f"));
  ASSERT_TRUE(reuse.ok());
  EXPECT_EQ((*reuse)[0].ip.ToString(), "10.0.0.4");
}

TEST_F(IpamServiceTest, StaticAddressesGatewayAndIndex) {
  IpamService service(catalog_, StoreFile(StorePath()));
  ASSERT_TRUE(service.Open().ok());
  auto r = Request("s");
  r.static_ips = {*IPAddress::Parse("10.0.0.5")};
  ASSERT_EQ((*service.Allocate(r))[0].ip.ToString(), "10.0.0.5");
  auto taken = Request("t");
  taken.static_ips = {*IPAddress::Parse("10.0.0.5")};
  auto conflict = service.Allocate(taken);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), kube::Code::kAlreadyExists);
  // Exclusions fence off dynamic allocation only, and any address of the subnet may be asked for,
  // in this node's block or not (as upstream); outside the subnet, or the gateway, it is refused.
  taken.static_ips = {*IPAddress::Parse("10.0.0.3")};  // excluded
  ASSERT_TRUE(service.Allocate(taken).ok());
  auto far = Request("far");
  far.static_ips = {*IPAddress::Parse("10.0.0.200")};  // another node's block
  ASSERT_TRUE(service.Allocate(far).ok());
  far.container_id = "far2";
  far.static_ips = {*IPAddress::Parse("10.0.1.1")};
  auto outside = service.Allocate(far);
  EXPECT_EQ(outside.status().code(), kube::Code::kInvalidArgument);
  EXPECT_NE(outside.status().message().find("is not in 10.0.0.0/24"), std::string::npos) << outside.status().message();
  far.static_ips = {*IPAddress::Parse("10.0.0.1")};
  EXPECT_EQ(service.Allocate(far).status().code(), kube::Code::kInvalidArgument);
  // The static address did not move the round-robin cursor.
  EXPECT_EQ((*service.Allocate(Request("d")))[0].ip.ToString(), "10.0.0.2");
  auto gw = Request("g");
  gw.allocate_default_gateway = true;
  auto gateway = service.Allocate(gw);
  ASSERT_TRUE(gateway.ok());
  EXPECT_EQ((*gateway)[0].ip.ToString(), "10.0.0.1");
  EXPECT_FALSE((*gateway)[0].gateway.has_value());  // no gateway when it is the gateway
  auto idx = Request("i");
  idx.ip_index = 5;
  EXPECT_EQ((*service.Allocate(idx))[0].ip.ToString(), "10.0.0.6");
  EXPECT_TRUE(service.IsAllocated({{{PoolType::kIPPool, "pool1"}}, "i", "net1"}).ok());
  EXPECT_EQ(service.IsAllocated({{{PoolType::kIPPool, "pool1"}}, "zz", "net1"}).code(), kube::Code::kNotFound);
  EXPECT_EQ(service.Allocate([&] { auto x = Request("u"); x.pools[0].name = "nope"; return x; }()).status().code(),
            kube::Code::kNotFound);
}

TEST_F(IpamServiceTest, DualStackAllOrNothing) {
  catalog_.Set("v6", {{"spec", {{"cidr", "fd00::/120"}, {"perNodeNetworkPrefix", 126}, {"gatewayIndex", 1}}},
                      {"status", {{"allocations", {{{"nodeName", "node-1"}, {"prefix", "fd00::/126"}, {"gateway", "fd00::1"}}}}}}},
               PoolType::kCIDRPool);
  IpamService service(catalog_, StoreFile(StorePath()));
  ASSERT_TRUE(service.Open().ok());
  auto r = Request("x");
  r.pools.push_back({PoolType::kCIDRPool, "v6"});
  auto both = service.Allocate(r);
  ASSERT_TRUE(both.ok()) << both.status().message();
  EXPECT_EQ((*both)[1].ip.ToString(), "fd00::2");
  EXPECT_EQ((*both)[1].prefix_length, 126);
  // /126 holds ::1 (gateway), ::2, ::3: one left. A second dual-stack pod takes ::3; a third fails
  // on v6 and must not keep its v4 address.
  r.container_id = "y";
  ASSERT_TRUE(service.Allocate(r).ok());
  const size_t before = service.size();
  r.container_id = "z";
  EXPECT_EQ(service.Allocate(r).status().code(), kube::Code::kResourceExhausted);
  EXPECT_EQ(service.size(), before);
}

TEST_F(IpamServiceTest, ReservationsSurviveRestart) {
  {
    IpamService service(catalog_, StoreFile(StorePath()));
    ASSERT_TRUE(service.Open().ok());
    ASSERT_TRUE(service.Allocate(Request("a")).ok());
    ASSERT_TRUE(service.Allocate(Request("b")).ok());
  }
  IpamService restarted(catalog_, StoreFile(StorePath()));
  ASSERT_TRUE(restarted.Open().ok());
  EXPECT_EQ(restarted.size(), 2u);
  EXPECT_EQ((*restarted.Allocate(Request("c")))[0].ip.ToString(), "10.0.0.5");  // cursor kept
}

TEST_F(IpamServiceTest, ConcurrentCallsShareWritesAndAllLand) {
  catalog_.Set("pool1", {{"spec", {{"subnet", "10.0.0.0/16"}, {"perNodeBlockSize", 1000}}},
                         {"status", {{"allocations", {{{"nodeName", "node-1"}, {"startIP", "10.0.0.1"}, {"endIP", "10.0.3.232"}}}}}}});
  std::set<std::string> addresses;
  {
    IpamService service(catalog_, StoreFile(StorePath()));
    ASSERT_TRUE(service.Open().ok());
    std::mutex mu;
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          auto r = service.Allocate(Request("t" + std::to_string(t) + "-" + std::to_string(i)));
          ASSERT_TRUE(r.ok()) << r.status().message();
          std::lock_guard<std::mutex> lock(mu);
          addresses.insert((*r)[0].ip.ToString());
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(addresses.size(), 320u);
  IpamService restarted(catalog_, StoreFile(StorePath()));
  ASSERT_TRUE(restarted.Open().ok());
  EXPECT_EQ(restarted.size(), 320u) << "every answered ADD is on disk";
}

TEST_F(IpamServiceTest, FailedSaveChangesNothing) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "blocker") << "a file where the store's folder should be";
  IpamService service(catalog_, StoreFile((dir_ / "blocker" / "store").string()));
  ASSERT_TRUE(service.Open().ok());
  auto r = service.Allocate(Request("a"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(service.size(), 0u);
}

TEST_F(IpamServiceTest, StoreRefusesCorruptionWithAClearError) {
  StoreFile store(StorePath());
  ASSERT_TRUE(store.Save({{"pools", {{"p", {{"entries", json::object()}}}}}}).ok());
  std::ifstream in(StorePath());
  std::string content((std::istreambuf_iterator<char>(in)), {});
  content.replace(content.find("entries"), 7, "entriez");
  std::ofstream(StorePath(), std::ios::trunc) << content;
  auto loaded = store.Load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("fails its checksum"), std::string::npos);
  std::ofstream(StorePath(), std::ios::trunc) << "{\"version\":1,";
  EXPECT_NE(store.Load().status().message().find("not valid JSON"), std::string::npos);
}

// A writer is killed with SIGKILL at random moments while saving ever larger stores: the
// store that remains always loads, its checksum holds, and it is one of the saved generations.
TEST_F(IpamServiceTest, StoreSurvivesKillDuringWrites) {
  fs::create_directories(dir_);
  std::mt19937 rng(42);
  int last_generation = -1;
  for (int round = 0; round < 20; ++round) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      StoreFile store(StorePath());
      for (int gen = 0;; ++gen) {
        json entries = json::object();
        for (int i = 0; i < 2000; ++i) entries["c" + std::to_string(i) + "_net1"] = {{"ip", "10.0.0.1"}, {"gen", gen}};
        if (!store.Save({{"generation", gen}, {"round", round}, {"pools", {{"p", {{"entries", entries}}}}}}).ok()) _exit(3);
      }
    }
    // Let the first generation land (slow under sanitizers), then kill at a random moment.
    for (int i = 0; i < 1000 && !fs::exists(StorePath()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 40000)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped on its own: " << status;
    auto loaded = StoreFile(StorePath()).Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    if (loaded->contains("generation")) last_generation = (*loaded)["generation"].get<int>();
    // Leftover temporary files are cleaned on load.
    for (const auto& e : fs::directory_iterator(dir_)) EXPECT_EQ(e.path().filename(), "store");
  }
  EXPECT_GE(last_generation, 0);
}

class FakePods : public PodLookup {
 public:
  std::set<std::string> alive;
  bool broken = false;
  kube::Result<bool> Exists(const PodRef& pod) const override {
    if (broken) return kube::Status(kube::Code::kUnavailable, "api down");
    return alive.count(pod.uid) > 0;
  }
};

TEST_F(IpamServiceTest, StaleCleanerReleasesAfterConsecutiveMisses) {
  IpamService service(catalog_, StoreFile(StorePath()));
  ASSERT_TRUE(service.Open().ok());
  ASSERT_TRUE(service.Allocate(Request("live")).ok());
  ASSERT_TRUE(service.Allocate(Request("gone")).ok());
  FakePods pods;
  pods.alive = {"uid-live"};
  StaleCleaner cleaner(service, pods, 2);
  EXPECT_EQ(cleaner.CheckOnce(), 0);
  EXPECT_EQ(cleaner.CheckOnce(), 0);
  pods.broken = true;  // an unreadable API neither counts nor resets
  EXPECT_EQ(cleaner.CheckOnce(), 0);
  pods.broken = false;
  EXPECT_EQ(cleaner.CheckOnce(), 1);  // third consecutive miss: more than 2
  EXPECT_EQ(service.size(), 1u);
  EXPECT_TRUE(service.IsAllocated({{{PoolType::kIPPool, "pool1"}}, "live", "net1"}).ok());
}

TEST_F(IpamServiceTest, SocketRoundTripAndErrors) {
  IpamService service(catalog_, StoreFile(StorePath()));
  ASSERT_TRUE(service.Open().ok());
  const std::string socket = (dir_ / "daemon.sock").string();
  auto server = UnixSocketServer::Start(socket, [&](const json& r) { return HandleDaemonRequest(service, r); });
  ASSERT_TRUE(server.ok()) << server.status().message();
  auto answer = CallUnixSocket(socket, ToJson(Request("a")), std::chrono::seconds(2));
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  auto addresses = AddressesFromJson(*answer);
  ASSERT_TRUE(addresses.ok());
  EXPECT_EQ((*addresses)[0].ip.ToString(), "10.0.0.2");
  const std::string metrics = kube::metrics::Default().Render();
  EXPECT_NE(metrics.find("nv_ipam_requests_total{method=\"Allocate\",code=\"OK\"}"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("nv_ipam_reservations 1"), std::string::npos);
  auto unknown = CallUnixSocket(socket, {{"method", "Steal"}}, std::chrono::seconds(2));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(ErrorFromJson(*unknown).code(), kube::Code::kInvalidArgument);
  server->reset();
  auto down = CallUnixSocket(socket, ToJson(Request("b")), std::chrono::seconds(1));
  EXPECT_EQ(down.status().code(), kube::Code::kUnavailable);
}

// The checksum says the daemon wrote the file, not that each field has the type it wrote:
// a store whose fields have other types stops the daemon naming the field, never aborts it.
TEST_F(IpamServiceTest, StoreWithTheRightChecksumButWrongTypesIsAClearError) {
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"pools", "x"}}, "data.pools must be an object"},
      {{{"pools", {{"p", 7}}}}, "pools.p must be an object"},
      {{{"pools", {{"p", {{"entries", json::array({1})}}}}}}, "pools.p.entries must be an object"},
      {{{"pools", {{"p", {{"entries", {{"e", {{"ip", 5}}}}}}}}}}, "pools.p.entries.e.ip must be a string"},
      {{{"pools", {{"p", {{"entries", {{"e", {{"ip", "10.0.0.2"}, {"pod", "x"}}}}}}}}}}, "pools.p.entries.e.pod must be"},
      {{{"pools", {{"p", {{"entries", {{"e", {{"ip", "10.0.0.2"}, {"containerID", json::array()}}}}}}}}}},
       "containerID must be a string"},
      {{{"pools", {{"p", {{"entries", {{"e", {{"ip", "not-an-ip"}}}}}}}}}}, "pools.p.entries.e.ip: "},
  };
  for (const auto& [data, want] : cases) {
    ASSERT_TRUE(StoreFile(StorePath()).Save(data).ok());
    IpamService service(catalog_, StoreFile(StorePath()));
    kube::Status s = service.Open();
    ASSERT_FALSE(s.ok()) << data.dump();
    EXPECT_NE(s.message().find(want), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("refusing to start"), std::string::npos) << s.message();
    EXPECT_EQ(service.size(), 0u);
  }
  // The envelope too: a version or checksum of another type.
  std::ofstream(StorePath(), std::ios::trunc) << R"({"version":"1","checksum":"x","data":{}})";
  EXPECT_NE(StoreFile(StorePath()).Load().status().message().find("version must be an integer"), std::string::npos);
  std::ofstream(StorePath(), std::ios::trunc) << R"({"version":1,"checksum":[],"data":{}})";
  EXPECT_NE(StoreFile(StorePath()).Load().status().message().find("checksum must be a string"), std::string::npos);
  fs::remove(StorePath());
  fs::create_directories(StorePath());
  EXPECT_NE(StoreFile(StorePath()).Load().status().message().find("is a directory"), std::string::npos);
}

// Requests of every wrong shape get an InvalidArgument answer in our words, not a library's.
TEST_F(IpamServiceTest, MalformedRequestsAreAnsweredClearly) {
  IpamService service(catalog_, StoreFile(StorePath()));
  ASSERT_TRUE(service.Open().ok());
  const json base = ToJson(Request("a"));
  auto with = [&](const char* key, json value) {
    json r = base;
    r[key] = std::move(value);
    return r;
  };
  const std::vector<json> requests = {
      json::array(), json("x"), json(5), {{"method", 5}}, with("pools", "x"), with("pools", json::array({1})),
      with("pools", json::array({{{"name", 1}}})), with("ipIndex", -1.5), with("ipIndex", -1),
      with("ipIndex", 1e30), with("pod", "x"), with("staticIPs", json::array({1})), with("containerID", 3),
      with("allocateDefaultGateway", "yes"),
  };
  for (const auto& r : requests) {
    const json answer = HandleDaemonRequest(service, r);
    ASSERT_TRUE(answer.contains("error")) << r.dump();
    EXPECT_EQ(answer["error"]["code"], "InvalidArgument") << r.dump() << " -> " << answer.dump();
    EXPECT_EQ(answer["error"]["message"].get<std::string>().find("json.exception"), std::string::npos) << answer.dump();
  }
  EXPECT_EQ(service.size(), 0u);
}

TEST(IpamProtocolTest, AnswersWithNumbersOutOfRangeAreRefused) {
  const std::vector<json> answers = {
      {{"addresses", {{{"ip", "10.0.0.2"}, {"prefixLength", 2.4e28}}}}},
      {{"addresses", {{{"ip", "10.0.0.2"}, {"prefixLength", 33}}}}},
      {{"addresses", {{{"ip", "10.0.0.2"}, {"prefixLength", -1}}}}},
      {{"addresses", {{{"ip", 5}}}}},
      {{"addresses", {{{"ip", "10.0.0.2"}, {"routes", {1}}}}}},
      {{"addresses", "x"}},
      json::array(),
  };
  for (const auto& a : answers) EXPECT_FALSE(AddressesFromJson(a).ok()) << a.dump();
  EXPECT_TRUE(AddressesFromJson({{"addresses", {{{"ip", "fd00::2"}, {"prefixLength", 128}}}}}).ok());
  EXPECT_EQ(ErrorFromJson({{"error", "x"}}).code(), kube::Code::kInternal);
}

// A daemon that dies in the middle of its answer is unreachable (CNI code 11), not "not JSON".
TEST_F(IpamServiceTest, ADaemonThatDiesMidAnswerIsUnreachable) {
  fs::create_directories(dir_);
  const std::string path = (dir_ / "half.sock").string();
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 2), 0);
  std::thread daemon([listener] {
    for (const char* answer : {"{\"addresses\": [{\"ip\"", ""}) {
      const int fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0) return;
      char buf[4096];
      while (::read(fd, buf, sizeof(buf)) > 0) {
      }
      if (*answer != '\0') (void)!::write(fd, answer, std::strlen(answer));
      ::close(fd);
    }
  });
  auto cut = CallUnixSocket(path, ToJson(Request("a")), std::chrono::seconds(5));
  EXPECT_EQ(cut.status().code(), kube::Code::kUnavailable);
  EXPECT_NE(cut.status().message().find("daemon unreachable"), std::string::npos) << cut.status().message();
  auto silent = CallUnixSocket(path, ToJson(Request("a")), std::chrono::seconds(5));
  EXPECT_EQ(silent.status().code(), kube::Code::kUnavailable);
  EXPECT_NE(silent.status().message().find("without answering"), std::string::npos) << silent.status().message();
  daemon.join();
  ::close(listener);
}

}  // namespace
}  // namespace ipam
