#include "registry/image_repository.h"

#include <re2/re2.h>

namespace registry {
namespace {

// A path component as the distribution spec defines it.
bool PathComponent(const std::string& part) {
  static const RE2 kComponent("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*");
  return RE2::FullMatch(part, kComponent);
}

bool Loopback(const std::string& host) {
  const std::string name = host.front() == '[' ? host.substr(0, host.find(']') + 1) : host.substr(0, host.find(':'));
  return name == "localhost" || name == "[::1]" || name.rfind("127.", 0) == 0;
}

}  // namespace

std::string ImageRepository::BaseUrl() const { return (plain_http ? "http://" : "https://") + host; }

kube::Result<ImageRepository> ParseImageRepository(const std::string& reference) {
  auto invalid = [&reference](const std::string& why) {
    return kube::Status(kube::Code::kInvalidArgument, kube::Quoted(reference) + " is not an image repository: " + why);
  };
  if (reference.empty()) return invalid("it is empty");
  if (reference.size() > 255) return invalid("longer than 255 characters");
  if (reference.find('@') != std::string::npos) return invalid("it holds a digest");
  ImageRepository repo;
  std::string rest = reference;
  const size_t slash = reference.find('/');
  const std::string first = reference.substr(0, slash);
  // The first component names a registry when it looks like a host, as container runtimes decide.
  if (slash != std::string::npos &&
      (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost")) {
    static const RE2 kHost("([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:]+\\])(:[0-9]{1,5})?");
    if (!RE2::FullMatch(first, kHost)) return invalid("bad registry host " + kube::Quoted(first));
    repo.host = first;
    rest = reference.substr(slash + 1);
  } else {
    repo.host = "registry-1.docker.io";
    if (slash == std::string::npos) rest = "library/" + reference;
  }
  if (rest.empty()) return invalid("no repository path");
  size_t start = 0;
  while (true) {
    const size_t end = rest.find('/', start);
    const std::string part = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!PathComponent(part)) {
      return invalid("path component " + kube::Quoted(part) + " must be lower-case letters and digits joined by . _ -");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  repo.path = rest;
  repo.plain_http = Loopback(repo.host);
  return repo;
}

}  // namespace registry
