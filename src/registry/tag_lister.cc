#include "registry/tag_lister.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

namespace registry {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxBody = 32 << 20;  // a tag list larger than this is not a registry's answer
constexpr int kMaxPages = 1000;

struct Response {
  long code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case; the last value of each
};

size_t OnBody(char* data, size_t size, size_t n, void* userdata) {
  auto* r = static_cast<Response*>(userdata);
  if (r->body.size() + size * n > kMaxBody) return 0;
  r->body.append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* userdata) {
  auto* r = static_cast<Response*>(userdata);
  std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    r->headers[name] = value;
  } else if (line.rfind("HTTP/", 0) == 0) {
    r->headers.clear();  // a new response (after a redirect or 100 Continue)
  }
  return size * n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// One GET, with Basic credentials or an Authorization header, within what is left of the deadline.
kube::Result<Response> Get(const std::string& url, const std::optional<Credentials>& basic, const std::string& authorization,
                           Clock::time_point deadline, const std::string& what) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return kube::Status(kube::Code::kTimeout, what + ": no answer in time");
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return kube::Status(kube::Code::kInternal, what + ": cannot start an HTTP request");
  CURL* c = curl.get();
  Response response;
  char error[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&headers](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
  add_header("Accept: application/json");
  if (!authorization.empty()) add_header("Authorization: " + authorization);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "accelops-registry-client");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (basic) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, basic->username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, basic->password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) return kube::Status(kube::Code::kTimeout, what + ": " + detail);
    if (rc == CURLE_WRITE_ERROR) return kube::Status(kube::Code::kServerError, what + ": answer larger than 32 MiB");
    return kube::Status(kube::Code::kUnavailable, what + ": " + detail);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.code);
  return response;
}

// The parameters of a `Bearer realm="...",service="...",scope="..."` challenge; empty when it is not one.
std::map<std::string, std::string> BearerChallenge(const std::string& header) {
  std::map<std::string, std::string> params;
  if (header.size() < 7 || strncasecmp(header.c_str(), "bearer ", 7) != 0) return params;
  static const RE2 kParam("\\s*([A-Za-z_]+)=\"([^\"]*)\"\\s*,?");
  re2::StringPiece rest(header.data() + 7, header.size() - 7);
  std::string key, value;
  while (RE2::Consume(&rest, kParam, &key, &value)) params[key] = value;
  return params;
}

std::string Escape(CURL* c, const std::string& text) {
  char* escaped = curl_easy_escape(c, text.c_str(), static_cast<int>(text.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

// A token from the registry's token service for pulling `repo`.
kube::Result<std::string> BearerToken(const ImageRepository& repo, const std::map<std::string, std::string>& challenge,
                                      const ListOptions& options, Clock::time_point deadline) {
  const auto realm = challenge.find("realm");
  if (realm == challenge.end() || realm->second.empty()) {
    return kube::Status(kube::Code::kServerError, repo.Name() + ": the registry's Bearer challenge names no realm");
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  std::string url = realm->second + (realm->second.find('?') == std::string::npos ? "?" : "&");
  if (auto service = challenge.find("service"); service != challenge.end()) {
    url += "service=" + Escape(curl.get(), service->second) + "&";
  }
  url += "scope=" + Escape(curl.get(), "repository:" + repo.path + ":pull");
  auto response = Get(url, options.credentials, "", deadline, repo.Name() + ": token service");
  if (!response.ok()) return response.status();
  if (response->code == 401 || response->code == 403) {
    return kube::Status(response->code == 401 ? kube::Code::kUnauthorized : kube::Code::kForbidden,
                        repo.Name() + ": the token service refused " +
                            (options.credentials ? "the pull secret's credentials" : "an anonymous pull"));
  }
  if (response->code != 200) {
    return kube::Status(kube::Code::kServerError,
                        repo.Name() + ": the token service answered HTTP " + std::to_string(response->code));
  }
  nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  std::string token;
  if (body.is_object()) token = body.value("token", body.value("access_token", ""));
  if (token.empty()) return kube::Status(kube::Code::kServerError, repo.Name() + ": the token service gave no token");
  return token;
}

// The next page's URL from a `Link: </v2/...?last=x>; rel="next"` header; empty when there is none.
std::string NextPage(const ImageRepository& repo, const std::map<std::string, std::string>& headers) {
  const auto link = headers.find("link");
  if (link == headers.end()) return "";
  std::string target;
  static const RE2 kNext("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
  if (!RE2::PartialMatch(link->second, kNext, &target)) return "";
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) return target;
  return repo.BaseUrl() + (target.front() == '/' ? "" : "/") + target;
}

kube::Status AnswerError(const ImageRepository& repo, long code, bool signed_in) {
  switch (code) {
    case 401:
      return kube::Status(kube::Code::kUnauthorized,
                          repo.Name() + ": the registry asks for credentials" +
                              (signed_in ? " and refused the pull secret's" : "; name a pull secret that has them"));
    case 403:
      return kube::Status(kube::Code::kForbidden, repo.Name() + ": the registry refused to list its tags");
    case 404:
      return kube::Status(kube::Code::kNotFound, repo.Name() + ": no such repository on the registry");
    default:
      return kube::Status(kube::Code::kServerError, repo.Name() + ": the registry answered HTTP " + std::to_string(code));
  }
}

}  // namespace

kube::Result<std::vector<std::string>> ListTags(const ImageRepository& repo, const ListOptions& options) {
  const Clock::time_point deadline = Clock::now() + options.timeout;
  std::string url = repo.BaseUrl() + "/v2/" + repo.path + "/tags/list?n=" + std::to_string(options.page_size);
  std::string authorization;
  std::optional<Credentials> basic;
  bool signed_in = false;
  std::vector<std::string> tags;
  for (int page = 0; page < kMaxPages && !url.empty(); ++page) {
    auto response = Get(url, basic, authorization, deadline, repo.Name());
    if (!response.ok()) return response.status();
    if (response->code == 401 && !signed_in) {
      signed_in = true;
      const auto challenge = response->headers.find("www-authenticate");
      const std::string header = challenge == response->headers.end() ? "" : challenge->second;
      if (auto bearer = BearerChallenge(header); !bearer.empty()) {
        auto token = BearerToken(repo, bearer, options, deadline);
        if (!token.ok()) return token.status();
        authorization = "Bearer " + *token;
      } else if (options.credentials) {
        basic = options.credentials;
      } else {
        return AnswerError(repo, 401, false);
      }
      --page;
      continue;
    }
    if (response->code != 200) return AnswerError(repo, response->code, signed_in && options.credentials);
    nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
    if (!body.is_object()) return kube::Status(kube::Code::kServerError, repo.Name() + ": the tag list is not JSON");
    const auto list = body.find("tags");
    if (list != body.end() && list->is_array()) {
      for (const auto& tag : *list) {
        if (tag.is_string()) tags.push_back(tag.get<std::string>());
      }
    }
    url = NextPage(repo, response->headers);
  }
  return tags;
}

}  // namespace registry
