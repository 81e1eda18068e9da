// Metrics: counters, gauges and histograms with labels, exposed in the
// Prometheus text format 0.0.4. The runtime registers controller-runtime's
// metric names (reconcile, workqueue, rest_client, leader_election) so
// existing dashboards work unchanged.
#ifndef KUBE_METRICS_H_
#define KUBE_METRICS_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kube::metrics {

// One time series: a counter or gauge value, or a histogram.
class Series {
 public:
  explicit Series(const std::vector<double>* bounds);
  void Add(double delta);
  void Set(double value);
  double Value() const { return value_.load(std::memory_order_relaxed); }
  void Observe(double sample);

 private:
  friend class Family;
  std::atomic<double> value_{0};  // counter / gauge value, or histogram sum
  const std::vector<double>* bounds_;  // null for counters and gauges
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // cumulative counts are computed when rendered
  std::atomic<uint64_t> count_{0};
};

enum class Type { kCounter, kGauge, kHistogram };

// A metric name with its label names and one Series per label-value tuple.
class Family {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
         std::vector<double> bounds);

  // The series for these label values (created on first use; the reference stays valid).
  Series& With(const std::vector<std::string>& label_values);
  void Render(std::string* out) const;
  const std::string& name() const { return name_; }

 private:
  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

class Registry {
 public:
  // Returns the family with this name, creating it on first call.
  Family& Counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family& Gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family& Histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                    std::vector<double> bounds);
  // Text exposition of every family plus process_* metrics.
  std::string Render() const;

 private:
  Family& GetOrAdd(const std::string& name, const std::string& help, Type type, std::vector<std::string> labels,
                   std::vector<double> bounds);
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

// The process-wide registry that runtime components report to.
Registry& Default();

// Exponential buckets: start, start*factor, ... (count of them).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace kube::metrics

#endif  // KUBE_METRICS_H_
