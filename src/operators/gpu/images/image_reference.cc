#include "images/image_reference.h"

#include <nlohmann/json.hpp>

#include "image_reference_check.h"

namespace gpu {
namespace {

std::string StringField(const nlohmann::json& section, const char* key) {
  if (!section.is_object() || !section.contains(key) || !section[key].is_string()) return "";
  return section[key].get<std::string>();
}

bool IsDigest(const std::string& version) { return version.rfind("sha256:", 0) == 0; }

kube::Result<std::string> Resolve(const nlohmann::json& section, const std::string& field,
                                       const std::string& env_var, const EnvLookup& env) {
  const std::string repository = StringField(section, "repository");
  const std::string image = StringField(section, "image");
  const std::string version = StringField(section, "version");
  if (!repository.empty() && !image.empty() && !version.empty()) {
    return repository + "/" + image + (IsDigest(version) ? "@" : ":") + version;
  }
  if (!image.empty() && repository.empty() && version.empty()) return image;  // verbatim (digest tooling)
  if (!repository.empty() || !version.empty()) {
    std::string missing;
    for (const auto& [name, value] : {std::pair{"repository", repository}, {"image", image}, {"version", version}}) {
      if (value.empty()) missing += std::string(missing.empty() ? "" : " and ") + field + "." + name;
    }
    return kube::Status(kube::Code::kInvalidArgument,
                        field + ": repository, image and version go together; " + missing + " " +
                            (missing.find(" and ") == std::string::npos ? "is" : "are") + " missing");
  }
  if (const std::string fallback = env ? env(env_var) : ""; !fallback.empty()) return fallback;
  return kube::Status(kube::Code::kInvalidArgument, field + ": no image: set repository, image and version, or " +
                                                        env_var + " on the operator");
}

}  // namespace

kube::Result<std::string> ResolveImage(const nlohmann::json& section, const std::string& field,
                                       const std::string& env_var, const EnvLookup& env) {
  auto image = Resolve(section, field, env_var, env);
  if (!image.ok()) return image;
  if (kube::Status s = common::CheckImageReference(field, *image); !s.ok()) return s;
  return image;
}

}  // namespace gpu
