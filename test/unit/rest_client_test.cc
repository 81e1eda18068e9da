// RestClient's retry rules, against a local HTTP endpoint that answers with
// chosen status codes (transport behaviour only; Kubernetes semantics are
// tested against the real API server in test/rig).
#include "kube/rest_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kube/client.h"
#include "kube/leader_election.h"

namespace kube {
namespace {

class Endpoint {
 public:
  // `answer(n)` gives the status of the n-th request (from 1) and whether to send Retry-After: 1.
  explicit Endpoint(std::function<std::pair<int, bool>(int)> answer) : answer_(std::move(answer)) {
    server_.Get("/x", [this](const httplib::Request&, httplib::Response& res) { Answer(res); });
    server_.Post("/x", [this](const httplib::Request&, httplib::Response& res) { Answer(res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Endpoint() {
    server_.stop();
    thread_.join();
  }
  std::unique_ptr<RestClient> Client() {
    Config c;
    c.server = "http://127.0.0.1:" + std::to_string(port_);
    c.retry_base_delay = std::chrono::milliseconds(1);
    return std::move(RestClient::Create(c)).value();
  }
  int requests() const { return requests_.load(); }

 private:
  void Answer(httplib::Response& res) {
    auto [code, retry_after] = answer_(++requests_);
    res.status = code;
    if (retry_after) res.set_header("Retry-After", "1");
    const char* body = code == 200   ? R"({"kind":"ConfigMap"})"
                       : code == 429 ? R"({"kind":"Status","reason":"TooManyRequests","code":429})"
                                     : R"({"kind":"Status","reason":"InternalError","code":500})";
    res.set_content(body, "application/json");
  }
  std::function<std::pair<int, bool>(int)> answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
};

TEST(RestClientRetries, TooManyRequestsIsRetriedAfterTheServersDelay) {
  Endpoint ep([](int n) { return n <= 2 ? std::make_pair(429, true) : std::make_pair(200, false); });
  auto client = ep.Client();
  const auto start = std::chrono::steady_clock::now();
  Request req;
  req.path = "/x";
  auto resp = client->Do(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(ep.requests(), 3);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1900)) << "Retry-After: 1, twice";
}

TEST(RestClientRetries, ServerErrorsAreRetriedForReadsOnly) {
  Endpoint get_ep([](int n) { return n == 1 ? std::make_pair(503, false) : std::make_pair(200, false); });
  Request get;
  get.path = "/x";
  EXPECT_TRUE(get_ep.Client()->Do(get).ok());
  EXPECT_EQ(get_ep.requests(), 2);

  Endpoint post_ep([](int) { return std::make_pair(503, false); });
  Request post;
  post.method = "POST";
  post.path = "/x";
  auto resp = post_ep.Client()->Do(post);
  EXPECT_EQ(resp.status().code(), Code::kServerError);
  EXPECT_EQ(post_ep.requests(), 1) << "a write that may have happened is not repeated";

  Endpoint post_retry_after([](int n) { return n == 1 ? std::make_pair(503, true) : std::make_pair(200, false); });
  EXPECT_TRUE(post_retry_after.Client()->Do(post).ok()) << "unless the server says when to retry";
  EXPECT_EQ(post_retry_after.requests(), 2);
}

TEST(RestClientRetries, GivesUpAfterTenAttempts) {
  Endpoint ep([](int) { return std::make_pair(500, false); });
  Request req;
  req.path = "/x";
  auto resp = ep.Client()->Do(req);
  EXPECT_EQ(resp.status().code(), Code::kServerError);
  EXPECT_EQ(ep.requests(), RestClient::kMaxAttempts);
}

// An API server that takes requests and never answers (etcd frozen behind it).
class HungEndpoint {
 public:
  HungEndpoint() {
    auto hang = [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(120), [this] { return released_; });
      res.status = 503;
    };
    server_.Get(R"(/.*)", hang);
    server_.Put(R"(/.*)", hang);
    server_.Post(R"(/.*)", hang);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HungEndpoint() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }
  std::shared_ptr<RestClient> Client() {
    Config c;
    c.server = "http://127.0.0.1:" + std::to_string(port_);
    c.retry_base_delay = std::chrono::milliseconds(1);
    return std::move(RestClient::Create(c)).value();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(RestClientDeadlines, NoAttemptRunsPastTheCallsDeadline) {
  HungEndpoint ep;
  auto client = ep.Client();
  Request req;
  req.path = "/x";
  req.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  auto resp = client->Do(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Code::kTimeout) << resp.status().ToString();
  // Without the deadline one attempt alone waits 30 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
}

// A leader whose lease calls hang gives up leadership by its renew deadline (client-go's
// rule), so a successor can take over once the lease expires; it does not lead unrenewed.
TEST(LeaderElectorDeadlines, ALeaderThatCannotRenewStopsByTheRenewDeadline) {
  HungEndpoint ep;
  kube::Client client(ep.Client());
  LeaderElectionConfig config;
  config.namespace_ = "default";
  config.name = "hung";
  config.lease_duration = std::chrono::milliseconds(3000);
  config.renew_deadline = std::chrono::milliseconds(2000);
  config.retry_period = std::chrono::milliseconds(500);
  config.release_on_stop = false;
  LeaderElector elector(client, config);
  std::stop_source stop;
  const auto start = std::chrono::steady_clock::now();
  const Status held = elector.Hold(stop.get_token());
  EXPECT_FALSE(held.ok());
  EXPECT_NE(held.message().find("lost"), std::string::npos) << held.ToString();
  EXPECT_FALSE(elector.IsLeader());
  // Hung calls once kept a leader for 33 s with a 10 s deadline; the bound here is loose on purpose.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(12));
}

}  // namespace
}  // namespace kube
