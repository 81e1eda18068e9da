#include "image_spec.h"

#include <re2/re2.h>

namespace network {
namespace {

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> Strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

kube::Status Invalid(const std::string& field, const std::string& message) {
  return kube::Status(kube::Code::kInvalid, field + ": " + message);
}

}  // namespace

kube::Result<ResolvedImage> ResolveImage(const nlohmann::json& section, const nlohmann::json& global,
                                         const std::string& field) {
  static const RE2 kImage("[a-zA-Z0-9]+([._\\-]+[a-zA-Z0-9]+)*(/[a-zA-Z0-9]+([._\\-]+[a-zA-Z0-9]+)*)*");
  // host[:port]/path segments: lower-case path components, as image references require.
  static const RE2 kRepository("[a-zA-Z0-9][a-zA-Z0-9.\\-]*(:[0-9]+)?(/[a-z0-9]+([._\\-][a-z0-9]+)*)*");
  static const RE2 kTag("[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,127}");
  static const RE2 kDigest("sha256:[a-f0-9]{64}");
  const nlohmann::json g = global.is_object() ? global : nlohmann::json::object();
  ResolvedImage out;
  out.image = Str(section, "image");
  out.repository = Str(section, "repository");
  if (out.repository.empty()) out.repository = Str(g, "repository");
  out.version = Str(section, "version");
  if (out.version.empty()) out.version = Str(g, "version");
  out.pull_secrets = Strings(section, "imagePullSecrets");
  if (out.pull_secrets.empty()) out.pull_secrets = Strings(g, "imagePullSecrets");

  if (out.image.empty()) return Invalid(field + ".image", "is required");
  if (!RE2::FullMatch(out.image, kImage)) return Invalid(field + ".image", kube::Quoted(out.image) + " is not an image name");
  if (out.repository.empty()) return Invalid(field + ".repository", "is required (here or in spec.global.repository)");
  if (!RE2::FullMatch(out.repository, kRepository)) {
    return Invalid(field + ".repository", kube::Quoted(out.repository) + " is not a valid image repository");
  }
  if (out.version.empty()) return Invalid(field + ".version", "is required (here or in spec.global.version)");
  if (out.version.rfind("sha256:", 0) == 0) {
    if (!RE2::FullMatch(out.version, kDigest)) {
      return Invalid(field + ".version", kube::Quoted(out.version) + " is not a sha256 digest (64 lower-case hex digits)");
    }
    out.reference = out.repository + "/" + out.image + "@" + out.version;
  } else {
    if (!RE2::FullMatch(out.version, kTag)) return Invalid(field + ".version", kube::Quoted(out.version) + " is not a valid tag");
    out.reference = out.repository + "/" + out.image + ":" + out.version;
  }
  return out;
}

}  // namespace network
