#include "kube/metrics.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kube::metrics {
namespace {

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!out.empty()) out += ',';
    out += names[i] + "=\"" + EscapeLabel(values[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

void RenderProcess(std::string* out) {
  std::ifstream stat("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = content.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(content.substr(close + 2));
  std::vector<std::string> f;
  for (std::string s; fields >> s;) f.push_back(s);
  if (f.size() < 22) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  const double rss = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  size_t fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  *out += "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
          "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total " + FormatValue(cpu) + "\n";
  *out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
          "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes " + FormatValue(rss) + "\n";
  *out += "# HELP process_open_fds Number of open file descriptors.\n"
          "# TYPE process_open_fds gauge\nprocess_open_fds " + std::to_string(fds) + "\n";
}

}  // namespace

Series::Series(const std::vector<double>* bounds) : bounds_(bounds) {
  if (bounds_ != nullptr) {
    buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_->size());
  }
}

void Series::Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
void Series::Set(double value) { value_.store(value, std::memory_order_relaxed); }

void Series::Observe(double sample) {
  if (bounds_ == nullptr) return;
  for (size_t i = 0; i < bounds_->size(); ++i) {
    if (sample <= (*bounds_)[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  value_.fetch_add(sample, std::memory_order_relaxed);
}

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
               std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

Series& Family::With(const std::vector<std::string>& label_values) {
  std::lock_guard lock(mu_);
  auto& slot = series_[label_values];
  if (!slot) slot = std::make_unique<Series>(type_ == Type::kHistogram ? &bounds_ : nullptr);
  return *slot;
}

void Family::Render(std::string* out) const {
  static const char* kTypeNames[] = {"counter", "gauge", "histogram"};
  *out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " " + kTypeNames[static_cast<int>(type_)] + "\n";
  std::lock_guard lock(mu_);
  for (const auto& [values, series] : series_) {
    if (type_ != Type::kHistogram) {
      *out += name_ + Labels(label_names_, values) + " " + FormatValue(series->Value()) + "\n";
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += series->buckets_[i].load(std::memory_order_relaxed);
      *out += name_ + "_bucket" + Labels(label_names_, values, "le=\"" + FormatValue(bounds_[i]) + "\"") + " " +
              std::to_string(cumulative) + "\n";
    }
    const uint64_t count = series->count_.load(std::memory_order_relaxed);
    *out += name_ + "_bucket" + Labels(label_names_, values, "le=\"+Inf\"") + " " + std::to_string(count) + "\n";
    *out += name_ + "_sum" + Labels(label_names_, values) + " " + FormatValue(series->Value()) + "\n";
    *out += name_ + "_count" + Labels(label_names_, values) + " " + std::to_string(count) + "\n";
  }
}

Family& Registry::GetOrAdd(const std::string& name, const std::string& help, Type type,
                           std::vector<std::string> labels, std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto& slot = families_[name];
  if (!slot) slot = std::make_unique<Family>(name, help, type, std::move(labels), std::move(bounds));
  return *slot;
}

Family& Registry::Counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return GetOrAdd(name, help, Type::kCounter, std::move(labels), {});
}
Family& Registry::Gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return GetOrAdd(name, help, Type::kGauge, std::move(labels), {});
}
Family& Registry::Histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                            std::vector<double> bounds) {
  return GetOrAdd(name, help, Type::kHistogram, std::move(labels), std::move(bounds));
}

std::string Registry::Render() const {
  std::string out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, family] : families_) family->Render(&out);
  }
  RenderProcess(&out);
  return out;
}

Registry& Default() {
  static Registry registry;
  return registry;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

}  // namespace kube::metrics
