#include "host/host_root.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace discovery {

HostRoot::HostRoot(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string HostRoot::Resolve(const std::string& path) const {
  if (root_.empty() || root_ == "/") return path;
  return root_ + path;
}

std::optional<std::string> HostRoot::Read(const std::string& path) const {
  std::ifstream in(Resolve(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

std::optional<std::string> HostRoot::ReadLine(const std::string& path) const {
  auto text = Read(path);
  if (!text) return std::nullopt;
  std::string line = text->substr(0, text->find('\n'));
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return std::string();
  const auto last = line.find_last_not_of(" \t\r");
  return line.substr(first, last - first + 1);
}

std::vector<std::string> HostRoot::List(const std::string& path) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(Resolve(path), ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool HostRoot::Exists(const std::string& path) const {
  std::error_code ec;
  return std::filesystem::exists(Resolve(path), ec);
}

}  // namespace discovery
