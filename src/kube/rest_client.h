// RestClient: HTTP to the API server over libcurl.
//
// Reuses connections (a pool of curl handles), negotiates HTTP/2 where the
// server offers it, limits the request rate when the Config asks for it,
// retries 429 and 5xx answers with backoff (honouring Retry-After), and turns
// error answers into typed Statuses. Streaming requests (watches) hand each
// chunk to a callback as it arrives and stop on request.
#ifndef KUBE_REST_CLIENT_H_
#define KUBE_REST_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kube/config.h"
#include "kube/status.h"
#include "kube/token_bucket.h"

struct curl_slist;

namespace kube {

namespace internal {
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const;
};
}  // namespace internal

struct Request {
  std::string method = "GET";
  std::string path;  // path and query: "/api/v1/nodes?limit=500"
  std::string body;
  std::string content_type = "application/json";
  std::string accept = "application/json";
  std::chrono::milliseconds timeout{30000};  // one attempt's timeout; not used for streams
  // When set, no attempt (nor a wait between attempts) runs past it: Timeout then.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

struct Response {
  long code = 0;
  std::string body;
  int http_major_version = 0;  // 2 when HTTP/2 was negotiated
  bool reused_connection = false;
};

class RestClient {
 public:
  // Checks the configuration (server URL, credentials) without contacting the server.
  static Result<std::unique_ptr<RestClient>> Create(Config config);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Sends a request; a non-2xx answer becomes an error Status.
  Result<Response> Do(const Request& request);

  // Streams a response body to `on_chunk` until the server ends it, `on_chunk`
  // returns false, `stop` is requested (Cancelled), or no byte arrives for
  // `idle_timeout` (Timeout). A non-2xx answer becomes an error Status.
  Status Stream(const Request& request, std::stop_token stop, std::chrono::seconds idle_timeout,
                const std::function<bool(std::string_view)>& on_chunk);

  const Config& config() const { return config_; }

  // Maximum attempts for a retriable answer (client-go: 10).
  static constexpr int kMaxAttempts = 10;
  // Maximum attempts of an idempotent request whose connection failed.
  static constexpr int kMaxTransportAttempts = 3;

 private:
  struct Handle;
  using HeaderList = std::unique_ptr<curl_slist, internal::CurlSlistDeleter>;
  explicit RestClient(Config config);
  std::unique_ptr<Handle> Acquire();
  void Release(std::unique_ptr<Handle> handle);
  std::string BearerToken();
  // Sets URL, method, TLS, auth and headers on the handle; `headers` must outlive the transfer.
  void Prepare(Handle& handle, const Request& request, HeaderList* headers);
  Result<Response> DoOnce(Handle& handle, const Request& request, int* retry_after);
  void ThrottleIfConfigured();

  Config config_;
  std::unique_ptr<TokenBucket> limiter_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;
  std::string token_;
  std::chrono::steady_clock::time_point token_read_;
};

}  // namespace kube

#endif  // KUBE_REST_CLIENT_H_
