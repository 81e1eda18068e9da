#include "kube/rest_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <random>
#include <thread>

#include "kube/json_decode.h"
#include "kube/log.h"
#include "kube/metrics.h"

namespace kube {
namespace {

// curl_global_init must run once before any thread uses curl.
struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

void EnsureCurl() { static CurlGlobal global; }


}  // namespace

void internal::CurlSlistDeleter::operator()(curl_slist* list) const { curl_slist_free_all(list); }

namespace {

using Slist = std::unique_ptr<curl_slist, internal::CurlSlistDeleter>;

void AddHeader(Slist& list, const std::string& header) { list.reset(curl_slist_append(list.release(), header.c_str())); }

std::string HostOf(const std::string& server) {
  auto start = server.find("://");
  return start == std::string::npos ? server : server.substr(start + 3);
}

metrics::Family& RequestsTotal() {
  static auto& f = metrics::Default().Counter("rest_client_requests_total",
                                              "Number of HTTP requests, partitioned by status code, method, and host.",
                                              {"code", "method", "host"});
  return f;
}

metrics::Family& RequestDuration() {
  static auto& f = metrics::Default().Histogram(
      "rest_client_request_duration_seconds", "Request latency in seconds. Broken down by verb, and host.",
      {"verb", "host"}, {0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60});
  return f;
}

metrics::Family& Retries() {
  static auto& f = metrics::Default().Counter("rest_client_request_retries_total",
                                              "Number of request retries, partitioned by status code, verb, and host.",
                                              {"code", "verb", "host"});
  return f;
}

bool Retriable(Code code, const std::string& method, bool has_retry_after) {
  if (code == Code::kTooManyRequests) return true;
  if (code == Code::kServerError || code == Code::kTimeout) return has_retry_after || method == "GET";
  if (code == Code::kUnavailable) return method == "GET";  // a failed connect never reached the server
  return false;
}

}  // namespace

struct RestClient::Handle {
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  Handle() : curl(curl_easy_init()) {}
  ~Handle() { curl_easy_cleanup(curl); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

RestClient::RestClient(Config config) : config_(std::move(config)) {
  if (config_.qps > 0) limiter_ = std::make_unique<TokenBucket>(config_.qps, config_.burst);
}

RestClient::~RestClient() = default;

Result<std::unique_ptr<RestClient>> RestClient::Create(Config config) {
  EnsureCurl();
  if (config.server.empty()) return Status(Code::kInvalidArgument, "no API server URL configured");
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    return Status(Code::kInvalidArgument, "client certificate and key must be given together");
  }
  return std::unique_ptr<RestClient>(new RestClient(std::move(config)));
}

std::unique_ptr<RestClient::Handle> RestClient::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  return std::make_unique<Handle>();
}

void RestClient::Release(std::unique_ptr<Handle> handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 16) idle_.push_back(std::move(handle));
}

std::string RestClient::BearerToken() {
  if (config_.token_file.empty()) return config_.bearer_token;
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (token_.empty() || now - token_read_ > std::chrono::minutes(1)) {
    auto token = ReadFile(config_.token_file);
    if (token.ok()) {
      token_ = *token;
      while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r')) token_.pop_back();
    }
    token_read_ = now;
  }
  return token_;
}

void RestClient::ThrottleIfConfigured() {
  if (!limiter_) return;
  auto wait = limiter_->Reserve();
  if (wait > TokenBucket::Clock::duration::zero()) std::this_thread::sleep_for(wait);
}

namespace {

struct Sink {
  std::string* body = nullptr;
  const std::function<bool(std::string_view)>* on_chunk = nullptr;
  long code = 0;
  CURL* curl = nullptr;
  std::string error_body;  // a non-2xx streaming answer is collected here
  std::stop_token stop;
  int retry_after = 0;
};

size_t OnHeader(char* data, size_t size, size_t n, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  std::string_view line(data, size * n);
  constexpr std::string_view kRetry = "retry-after:";
  if (line.size() > kRetry.size()) {
    std::string lower(line.substr(0, kRetry.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == kRetry) sink->retry_after = std::atoi(std::string(line.substr(kRetry.size())).c_str());
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  const size_t len = size * n;
  if (sink->body != nullptr) {
    sink->body->append(data, len);
    return len;
  }
  if (sink->code == 0) curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &sink->code);
  if (sink->code < 200 || sink->code >= 300) {
    if (sink->error_body.size() < 65536) sink->error_body.append(data, len);
    return len;
  }
  return (*sink->on_chunk)(std::string_view(data, len)) ? len : 0;
}

int OnProgress(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* sink = static_cast<Sink*>(userdata);
  return sink->stop.stop_requested() ? 1 : 0;
}

}  // namespace

void RestClient::Prepare(Handle& handle, const Request& request, Slist* headers) {
  CURL* c = handle.curl;
  curl_easy_reset(c);
  const std::string url = config_.server + request.path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle.error);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, config_.user_agent.c_str());
  handle.error[0] = '\0';
  if (!config_.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!config_.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(config_.client_cert_pem.data()), config_.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(config_.client_key_pem.data()), config_.client_key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
    AddHeader(*headers, "Accept: " + request.accept);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    AddHeader(*headers, "Content-Type: " + request.content_type);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  if (std::string token = BearerToken(); !token.empty()) AddHeader(*headers, "Authorization: Bearer " + token);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers->get());

}

Result<Response> RestClient::DoOnce(Handle& handle, const Request& request, int* retry_after) {
  Slist headers;
  Prepare(handle, request, &headers);
  CURL* c = handle.curl;
  Response response;
  Sink sink;
  sink.body = &response.body;
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  if (request.timeout.count() > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));

  const auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(c);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string host = HostOf(config_.server);
  RequestDuration().With({request.method, host}).Observe(seconds);
  *retry_after = sink.retry_after;
  if (rc != CURLE_OK) {
    RequestsTotal().With({"<error>", request.method, host}).Add(1);
    std::string detail = handle.error[0] ? handle.error : curl_easy_strerror(rc);
    Code code = rc == CURLE_OPERATION_TIMEDOUT ? Code::kTimeout : Code::kUnavailable;
    return Status(code, "cannot reach API server " + config_.server + ": " + detail);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.code);
  long version = 0;
  curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &version);
  long new_connections = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &new_connections);
  response.reused_connection = new_connections == 0;
  response.http_major_version = version == CURL_HTTP_VERSION_2_0 ? 2 : version == CURL_HTTP_VERSION_3 ? 3 : 1;
  RequestsTotal().With({std::to_string(response.code), request.method, host}).Add(1);
  if (response.code < 200 || response.code >= 300) {
    Status s = DecodeApiError(static_cast<int>(response.code), response.body);
    if (s.retry_after_seconds() == 0 && sink.retry_after > 0) s.set_retry_after_seconds(sink.retry_after);
    return s;
  }
  return response;
}

Result<Response> RestClient::Do(const Request& request) {
  thread_local std::minstd_rand rng(std::random_device{}());
  auto handle = Acquire();
  for (int attempt = 1;; ++attempt) {
    ThrottleIfConfigured();
    int retry_after = 0;
    Request attempt_request = request;
    if (request.deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*request.deadline -
                                                                             std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return Status(Code::kTimeout, request.method + " " + request.path + ": no answer before the call's deadline");
      }
      if (attempt_request.timeout.count() <= 0 || left < attempt_request.timeout) attempt_request.timeout = left;
    }
    auto result = DoOnce(*handle, attempt_request, &retry_after);
    if (result.ok()) {
      Release(std::move(handle));
      return result;
    }
    const Status& s = result.status();
    const bool has_retry_after = s.retry_after_seconds() > 0 || retry_after > 0;
    // A server that cannot be reached at all is reported after a few tries, not ten.
    const int max_attempts = s.code() == Code::kUnavailable ? kMaxTransportAttempts : kMaxAttempts;
    if (attempt >= max_attempts || !Retriable(s.code(), request.method, has_retry_after)) {
      // A handle whose transfer failed at transport level may hold a broken connection; drop it.
      if (s.code() != Code::kUnavailable && s.code() != Code::kTimeout) Release(std::move(handle));
      return result;
    }
    std::chrono::milliseconds wait;
    if (has_retry_after) {
      wait = std::chrono::seconds(std::min(30, std::max(s.retry_after_seconds(), retry_after)));
    } else {
      const int64_t first = std::max<int64_t>(1, config_.retry_base_delay.count());
      const int64_t base = std::min<int64_t>(50 * first, first << std::min(attempt, 6));
      wait = std::chrono::milliseconds(base / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(base / 2 + 1)));
    }
    if (request.deadline && std::chrono::steady_clock::now() + wait >= *request.deadline) {
      if (s.code() != Code::kUnavailable && s.code() != Code::kTimeout) Release(std::move(handle));
      return result;  // no time left for another attempt
    }
    Retries().With({std::to_string(s.http_code()), request.method, HostOf(config_.server)}).Add(1);
    log::Debug("retrying request", {{"method", request.method}, {"path", request.path},
                                    {"attempt", std::to_string(attempt)}, {"error", s.ToString()}});
    std::this_thread::sleep_for(wait);
  }
}

Status RestClient::Stream(const Request& request, std::stop_token stop, std::chrono::seconds idle_timeout,
                          const std::function<bool(std::string_view)>& on_chunk) {
  ThrottleIfConfigured();
  Handle handle;  // a long-lived stream gets its own handle and connection
  Request req = request;
  req.timeout = std::chrono::milliseconds(0);
  Slist headers;
  Prepare(handle, req, &headers);
  CURL* c = handle.curl;
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(idle_timeout.count()));
  Sink sink;
  sink.on_chunk = &on_chunk;
  sink.curl = c;
  sink.stop = stop;
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &sink);
  CURLcode rc = curl_easy_perform(c);
  long code = sink.code;
  if (code == 0) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  const std::string host = HostOf(config_.server);
  RequestsTotal().With({code ? std::to_string(code) : "<error>", "WATCH", host}).Add(1);
  if (stop.stop_requested()) return Status(Code::kCancelled, "stream stopped");
  if (code != 0 && (code < 200 || code >= 300)) return DecodeApiError(static_cast<int>(code), sink.error_body);
  if (rc == CURLE_WRITE_ERROR) return Status::Ok();  // the consumer ended the stream
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status(Code::kTimeout, "stream idle for " + std::to_string(idle_timeout.count()) + "s");
  }
  if (rc != CURLE_OK) {
    std::string detail = handle.error[0] ? handle.error : curl_easy_strerror(rc);
    return Status(Code::kUnavailable, "stream from " + config_.server + " broken: " + detail);
  }
  return Status::Ok();
}

}  // namespace kube
