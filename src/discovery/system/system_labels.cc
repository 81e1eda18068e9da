#include "system/system_labels.h"

#include <cctype>
#include <set>
#include <sstream>

namespace discovery {
namespace {

constexpr const char* kNfd = "feature.node.kubernetes.io/";

// "5.15.0-131-generic" -> {"5", "15", "0"}: the leading dotted numbers.
std::vector<std::string> VersionParts(const std::string& version) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : version) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      current += c;
    } else if (c == '.' && !current.empty()) {
      parts.push_back(current);
      current.clear();
    } else {
      break;
    }
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

void Put(std::map<std::string, std::string>& labels, const std::string& key, const std::string& raw) {
  const std::string value = LabelValue(raw);
  if (!value.empty()) labels[kNfd + key] = value;
}

}  // namespace

std::string LabelValue(const std::string& raw) {
  std::string v;
  for (char c : raw) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    v += ok ? c : '_';
  }
  if (v.size() > 63) v.resize(63);
  const auto first = v.find_first_not_of("-_.");
  if (first == std::string::npos) return "";
  const auto last = v.find_last_not_of("-_.");
  return v.substr(first, last - first + 1);
}

std::map<std::string, std::string> ParseOsRelease(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out[key] = value;
  }
  return out;
}

std::map<std::string, std::string> KernelLabels(const HostRoot& host) {
  std::map<std::string, std::string> labels;
  auto release = host.ReadLine("/proc/sys/kernel/osrelease");
  if (!release || release->empty()) return labels;
  Put(labels, "kernel-version.full", *release);
  const auto parts = VersionParts(*release);
  const char* names[] = {"major", "minor", "revision"};
  for (size_t i = 0; i < parts.size() && i < 3; ++i) Put(labels, std::string("kernel-version.") + names[i], parts[i]);
  return labels;
}

std::map<std::string, std::string> OsReleaseLabels(const HostRoot& host) {
  std::map<std::string, std::string> labels;
  auto text = host.Read("/etc/os-release");
  if (!text) text = host.Read("/usr/lib/os-release");
  if (!text) return labels;
  const auto release = ParseOsRelease(*text);
  for (const char* key : {"ID", "VERSION_ID", "OSTREE_VERSION"}) {
    auto it = release.find(key);
    if (it != release.end()) Put(labels, std::string("system-os_release.") + key, it->second);
  }
  if (auto it = release.find("VERSION_ID"); it != release.end()) {
    const auto parts = VersionParts(it->second);
    if (parts.size() > 0) Put(labels, "system-os_release.VERSION_ID.major", parts[0]);
    if (parts.size() > 1) Put(labels, "system-os_release.VERSION_ID.minor", parts[1]);
  }
  return labels;
}

std::map<std::string, std::string> RdmaLabels(const HostRoot& host, const std::vector<PciDevice>& devices) {
  std::map<std::string, std::string> labels;
  for (const auto& d : devices) {
    if (d.vendor == "15b3") labels[std::string(kNfd) + "rdma.capable"] = "true";
  }
  std::set<std::string> modules;
  if (auto text = host.Read("/proc/modules")) {
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) modules.insert(line.substr(0, line.find(' ')));
  }
  if (auto release = host.ReadLine("/proc/sys/kernel/osrelease")) {
    if (auto builtin = host.Read("/lib/modules/" + *release + "/modules.builtin")) {
      std::istringstream in(*builtin);
      std::string path;
      while (std::getline(in, path)) {
        std::string name = path.substr(path.rfind('/') + 1);
        if (name.size() > 3 && name.compare(name.size() - 3, 3, ".ko") == 0) name.resize(name.size() - 3);
        modules.insert(name);
      }
    }
  }
  if (modules.count("ib_uverbs") && modules.count("rdma_ucm")) labels[std::string(kNfd) + "rdma.available"] = "true";
  return labels;
}

}  // namespace discovery
