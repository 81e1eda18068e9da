#include "object_diff.h"

#include <fnmatch.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "manifests/renderer.h"

namespace conformance {

using nlohmann::json;

namespace {

constexpr const char* kAbsent = "<absent>";

std::string EscapePointerToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

void Walk(const std::string& object, const std::string& field, const json& ours, const json& upstream,
          std::vector<Difference>* out) {
  if (ours.is_object() && upstream.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : ours.items()) keys.insert(k);
    for (const auto& [k, v] : upstream.items()) keys.insert(k);
    for (const auto& k : keys) {
      const std::string path = field + "/" + EscapePointerToken(k);
      const bool in_ours = ours.contains(k), in_upstream = upstream.contains(k);
      if (in_ours && in_upstream) {
        Walk(object, path, ours[k], upstream[k], out);
      } else if ((k == "labels" || k == "annotations") && (in_ours ? ours[k] : upstream[k]).is_object()) {
        // No labels and an empty map of them are the same to Kubernetes: each label is its own difference.
        Walk(object, path, in_ours ? ours[k] : json::object(), in_upstream ? upstream[k] : json::object(), out);
      } else {
        out->push_back({object, path, in_ours ? std::optional<json>(ours[k]) : std::nullopt,
                        in_upstream ? std::optional<json>(upstream[k]) : std::nullopt});
      }
    }
    return;
  }
  if (ours.is_array() && upstream.is_array()) {
    const size_t n = std::max(ours.size(), upstream.size());
    for (size_t i = 0; i < n; ++i) {
      const std::string path = field + "/" + std::to_string(i);
      if (i < ours.size() && i < upstream.size()) {
        Walk(object, path, ours[i], upstream[i], out);
      } else {
        out->push_back({object, path, i < ours.size() ? std::optional<json>(ours[i]) : std::nullopt,
                        i < upstream.size() ? std::optional<json>(upstream[i]) : std::nullopt});
      }
    }
    return;
  }
  if (ours != upstream) out->push_back({object, field, ours, upstream});
}

bool Glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

// A stated value matches a side: `<absent>` matches no value, a glob a value it matches.
bool ValueMatches(const std::optional<json>& stated, const std::optional<json>& actual) {
  if (!stated) return !actual;
  if (!actual) return false;
  if (*stated == *actual) return true;
  // A pattern matches a string, or any other value as JSON text.
  return stated->is_string() &&
         Glob(stated->get<std::string>(), actual->is_string() ? actual->get<std::string>() : actual->dump());
}

std::vector<std::string> Settings(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    out.push_back(line.substr(start));
  }
  return out;
}

}  // namespace

std::string ObjectKey(const json& object) {
  const json meta = object.value("metadata", json::object());
  const std::string ns = meta.value("namespace", "");
  return object.value("kind", "") + "/" + (ns.empty() ? "" : ns + "/") + meta.value("name", "");
}

std::string Difference::Describe() const {
  auto show = [](const std::optional<json>& v) { return v ? v->dump() : std::string(kAbsent); };
  return object + " " + (field.empty() ? "(whole object)" : field) + ": ours " + show(ours) + ", upstream " +
         show(upstream);
}

std::vector<Difference> Compare(const std::vector<json>& ours, const std::vector<json>& upstream) {
  std::map<std::string, const json*> mine, theirs;
  for (const auto& o : ours) mine[ObjectKey(o)] = &o;
  for (const auto& o : upstream) theirs[ObjectKey(o)] = &o;
  std::vector<Difference> out;
  for (const auto& [key, o] : mine) {
    if (!theirs.contains(key)) out.push_back({key, "", *o, std::nullopt});
  }
  for (const auto& [key, o] : theirs) {
    auto it = mine.find(key);
    if (it == mine.end()) {
      out.push_back({key, "", std::nullopt, *o});
    } else {
      Walk(key, "", *it->second, *o, &out);
    }
  }
  return out;
}

bool DeliberateDifference::Covers(const std::string& case_name, const Difference& d, const Lookup& ours_at,
                                  const Lookup& upstream_at) const {
  if (!case_.empty() && !Glob(case_, case_name)) return false;
  if (!Glob(object, d.object)) return false;
  // The field listed is the difference's own field or one above it; the values stated are that field's.
  std::string prefix = d.field;
  while (true) {
    if (Glob(field, prefix)) {
      const auto mine = ours_at(d.object, prefix), theirs = upstream_at(d.object, prefix);
      if (same_settings) {
        if (!mine || !theirs || !mine->is_string() || !theirs->is_string()) return false;
        return Settings(mine->get<std::string>()) == Settings(theirs->get<std::string>());
      }
      if (same_yaml) {
        if (!mine || !theirs || !mine->is_string() || !theirs->is_string()) return false;
        auto a = manifests::YamlToJson(mine->get<std::string>());
        auto b = manifests::YamlToJson(theirs->get<std::string>());
        return a.ok() && b.ok() && *a == *b;
      }
      if (same_json) {
        if (!mine || !theirs || !mine->is_string() || !theirs->is_string()) return false;
        const json a = json::parse(mine->get<std::string>(), nullptr, false);
        const json b = json::parse(theirs->get<std::string>(), nullptr, false);
        return !a.is_discarded() && a == b;
      }
      return ValueMatches(ours, mine) && ValueMatches(upstream, theirs);
    }
    if (prefix.empty()) return false;
    prefix.resize(prefix.rfind('/'));
  }
}

kube::Result<std::vector<DeliberateDifference>> ParseDeliberateDifferences(const std::string& yaml) {
  auto documents = manifests::YamlToJson(yaml);
  if (!documents.ok()) return documents.status();
  if (!documents->is_array()) return kube::Status(kube::Code::kInvalid, "the list of deliberate differences is not a list");
  std::vector<DeliberateDifference> out;
  for (const auto& entry : *documents) {
    if (entry.is_object() && entry.contains("counterpart")) continue;
    const bool same_json = entry.is_object() && entry.value("same_json", false);
    const bool same_settings = entry.is_object() && entry.value("same_settings", false);
    const bool same_yaml = entry.is_object() && entry.value("same_yaml", false);
    const bool pending = entry.is_object() && entry.contains("pending") && !entry.contains("reason");
    for (const char* key : {"object", "field", "ours", "upstream", "reason"}) {
      if (pending && std::string(key) == "reason") continue;
      if ((same_json || same_settings || same_yaml) && (std::string(key) == "ours" || std::string(key) == "upstream")) {
        continue;
      }
      if (!entry.is_object() || !entry.contains(key)) {
        return kube::Status(kube::Code::kInvalid, "a deliberate difference without `" + std::string(key) + "`: " +
                                                      entry.dump());
      }
    }
    auto side = [](const json& v) -> std::optional<json> {
      if (v.is_string() && v.get<std::string>() == kAbsent) return std::nullopt;
      return v;
    };
    const json objects = entry["object"].is_array() ? entry["object"] : json::array({entry["object"]});
    for (const auto& object : objects) {
      if (!object.is_string()) return kube::Status(kube::Code::kInvalid, "`object` is not a pattern: " + entry.dump());
      const std::string why = pending ? entry["pending"].get<std::string>() : entry["reason"].get<std::string>();
      DeliberateDifference d{entry.value("case", ""),
                             object.get<std::string>(),
                             entry["field"].get<std::string>(),
                             side(entry.value("ours", json())),
                             side(entry.value("upstream", json())),
                             why,
                             same_json,
                             same_settings,
                             same_yaml,
                             pending};
      if (d.reason.size() < 20) {
        return kube::Status(kube::Code::kInvalid, "deliberate difference without a real reason: " + entry.dump());
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

kube::Result<std::vector<Counterpart>> ParseCounterparts(const std::string& yaml) {
  auto documents = manifests::YamlToJson(yaml);
  if (!documents.ok()) return documents.status();
  if (!documents->is_array()) return kube::Status(kube::Code::kInvalid, "the list of deliberate differences is not a list");
  std::vector<Counterpart> out;
  for (const auto& entry : *documents) {
    if (!entry.is_object() || !entry.contains("counterpart")) continue;
    const json& pair = entry["counterpart"];
    const bool named = pair.is_object() && pair.contains("ours") && pair.contains("upstream") &&
                       pair["ours"].is_string() && pair["upstream"].is_string();
    if (!named) return kube::Status(kube::Code::kInvalid, "a counterpart names `ours` and `upstream`: " + entry.dump());
    if (!entry.contains("reason") || !entry["reason"].is_string() || entry["reason"].get<std::string>().size() < 20) {
      return kube::Status(kube::Code::kInvalid, "a counterpart without a real reason: " + entry.dump());
    }
    Counterpart rule{entry.value("case", ""), {}, {}, entry["reason"].get<std::string>()};
    for (const auto& [side, pattern] : {std::pair{"ours", &rule.ours}, {"upstream", &rule.upstream}}) {
      try {
        *pattern = std::regex(pair[side].get<std::string>());
      } catch (const std::regex_error& e) {
        return kube::Status(kube::Code::kInvalid, "counterpart `" + std::string(side) + "` is no regex (" + e.what() +
                                                      "): " + entry.dump());
      }
    }
    out.push_back(std::move(rule));
  }
  return out;
}

namespace {

// The controlling owner's kind and name ("" when none).
std::string OwnerOf(const json& object) {
  const json refs = object["metadata"].value("ownerReferences", json::array());
  for (const auto& ref : refs) {
    if (ref.value("controller", false)) return ref.value("kind", "") + "/" + ref.value("name", "");
  }
  return refs.empty() ? "" : refs[0].value("kind", "") + "/" + refs[0].value("name", "");
}

// The groups `pattern` captures from the whole of `key`; nullopt when it does not match.
std::optional<std::vector<std::string>> Captures(const std::regex& pattern, const std::string& key) {
  std::smatch m;
  if (!std::regex_match(key, m, pattern)) return std::nullopt;
  std::vector<std::string> groups;
  for (size_t i = 1; i < m.size(); ++i) groups.push_back(m[i].str());
  return groups;
}

}  // namespace

std::vector<json> RenameCounterparts(const std::string& case_name, const std::vector<json>& ours,
                                     const std::vector<json>& upstream, const std::vector<Counterpart>& counterparts) {
  std::set<std::string> mine, theirs;
  for (const auto& o : ours) mine.insert(ObjectKey(o));
  for (const auto& o : upstream) theirs.insert(ObjectKey(o));
  std::vector<json> out;
  for (const auto& o : upstream) {
    const std::string key = ObjectKey(o);
    std::vector<json> copies;
    for (const auto& rule : counterparts) {
      if (mine.contains(key)) break;  // named alike: compared as it is
      if (!rule.case_.empty() && !Glob(rule.case_, case_name)) continue;
      const auto groups = Captures(rule.upstream, key);
      if (!groups) continue;
      for (const auto& candidate : ours) {
        const std::string name = ObjectKey(candidate);
        if (theirs.contains(name) || OwnerOf(candidate) != OwnerOf(o) || Captures(rule.ours, name) != groups) continue;
        json copy = o;
        copy["metadata"]["name"] = candidate["metadata"]["name"];
        copies.push_back(std::move(copy));
      }
    }
    if (copies.empty()) {
      out.push_back(o);
    } else {
      for (auto& c : copies) out.push_back(std::move(c));
    }
  }
  return out;
}

namespace {

void SchemaWalk(const std::string& at, const json& ours, const json& upstream, std::vector<std::string>* gaps) {
  for (const char* key : {"type", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields"}) {
    if (upstream.contains(key) && (!ours.contains(key) || ours[key] != upstream[key])) {
      gaps->push_back(at + ": " + key + " is " + (ours.contains(key) ? ours[key].dump() : "unset") + ", upstream " +
                      upstream[key].dump());
    }
  }
  if (ours.value("x-kubernetes-preserve-unknown-fields", false)) return;  // takes anything below
  const json theirs = upstream.value("properties", json::object());
  const json mine = ours.value("properties", json::object());
  for (const auto& [name, sub] : theirs.items()) {
    if (!mine.contains(name)) {
      gaps->push_back(at + "." + name + ": missing");
      continue;
    }
    SchemaWalk(at + "." + name, mine[name], sub, gaps);
  }
  if (upstream.contains("items") && upstream["items"].is_object()) {
    SchemaWalk(at + "[]", ours.value("items", json::object()), upstream["items"], gaps);
  }
  if (upstream.contains("additionalProperties") && upstream["additionalProperties"].is_object()) {
    SchemaWalk(at + "{}", ours.value("additionalProperties", json::object()), upstream["additionalProperties"], gaps);
  }
}

}  // namespace

std::vector<std::string> SchemaGaps(const json& ours_crd, const json& upstream_crd) {
  std::vector<std::string> gaps;
  const json mine = ours_crd["spec"].value("versions", json::array());
  for (const auto& version : upstream_crd["spec"].value("versions", json::array())) {
    const std::string name = version.value("name", "");
    auto it = std::find_if(mine.begin(), mine.end(), [&](const json& v) { return v.value("name", "") == name; });
    if (it == mine.end()) {
      gaps.push_back(name + ": version missing");
      continue;
    }
    SchemaWalk(name, (*it)["schema"].value("openAPIV3Schema", json::object()),
               version["schema"].value("openAPIV3Schema", json::object()), &gaps);
  }
  return gaps;
}

Tally Classify(const std::string& case_name, const std::vector<json>& ours, const std::vector<json>& upstream_named,
               const std::vector<DeliberateDifference>& deliberate, const std::vector<Counterpart>& counterparts) {
  const std::vector<json> upstream = RenameCounterparts(case_name, ours, upstream_named, counterparts);
  std::map<std::string, const json*> mine, theirs;
  for (const auto& o : ours) mine[ObjectKey(o)] = &o;
  for (const auto& o : upstream) theirs[ObjectKey(o)] = &o;
  std::set<std::string> named_alike;
  for (const auto& o : upstream_named) named_alike.insert(ObjectKey(o));
  auto lookup = [](const std::map<std::string, const json*>& objects) {
    return [&objects](const std::string& key, const std::string& field) -> std::optional<json> {
      auto it = objects.find(key);
      if (it == objects.end()) return std::nullopt;
      const json::json_pointer pointer(field);
      if (!it->second->contains(pointer)) return std::nullopt;
      return it->second->at(pointer);
    };
  };
  const DeliberateDifference::Lookup ours_at = lookup(mine), upstream_at = lookup(theirs);
  Tally t;
  for (const auto& [key, o] : theirs) t.counterparts += mine.contains(key) && !named_alike.contains(key) ? 1 : 0;
  const std::vector<Difference> differences = Compare(ours, upstream);
  for (const auto& d : differences) {
    const DeliberateDifference* listed = nullptr;
    for (const auto& entry : deliberate) {
      if (entry.Covers(case_name, d, ours_at, upstream_at)) {
        listed = &entry;
        break;
      }
    }
    if (listed != nullptr && listed->pending) {
      ++t.pending;
      t.pending_differences.push_back(d);
      continue;
    }
    if (listed != nullptr) {
      ++t.deliberate;
      continue;
    }
    if (d.field.empty()) {
      (d.ours ? t.only_ours : t.only_upstream)++;
    } else {
      ++t.fields_differing;
    }
    t.unlisted.push_back(d);
  }
  return t;
}

}  // namespace conformance
