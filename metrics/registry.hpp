// Counters, gauges and histograms with labels, and their Prometheus text
// exposition (format 0.0.4). No global state: zestd owns one Registry and
// hands the families to whoever counts. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace zest::metrics {

// The values of a family's labels, in the order of its label names.
using LabelValues = std::initializer_list<std::string_view>;

class Family {
 public:
  enum class Type { Counter, Gauge, Histogram };
  Family(std::string name, std::string help, Type type, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {}
  virtual ~Family() = default;
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  Type type() const { return type_; }
  const std::vector<std::string>& label_names() const { return labels_; }
  // "# HELP", "# TYPE" and the samples.
  void render(std::string& out) const;

 protected:
  using Key = std::vector<std::string>;
  Key key(LabelValues values) const;  // padded or cut to the label count
  // `{a="x",b="y"}` (with `extra` appended inside), or "" without labels.
  std::string label_text(const Key& k, std::string_view extra = {}) const;
  virtual void render_samples(std::string& out) const = 0;
  mutable std::mutex mu_;

 private:
  std::string name_, help_;
  Type type_;
  std::vector<std::string> labels_;
};

class Counter final : public Family {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> labels)
      : Family(std::move(name), std::move(help), Type::Counter, std::move(labels)) {}
  void inc(LabelValues values = {}, double by = 1);
  double value(LabelValues values = {}) const;

 private:
  void render_samples(std::string& out) const override;
  std::map<Key, double> values_;
};

class Gauge final : public Family {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> labels)
      : Family(std::move(name), std::move(help), Type::Gauge, std::move(labels)) {}
  void set(LabelValues values, double v);
  void add(LabelValues values, double by);
  void clear();  // forget every label set (before a fresh snapshot)
  double value(LabelValues values = {}) const;

 private:
  void render_samples(std::string& out) const override;
  std::map<Key, double> values_;
};

class Histogram final : public Family {
 public:
  // `bounds`: the upper bounds of the buckets, ascending (+Inf is added).
  Histogram(std::string name, std::string help, std::vector<std::string> labels,
            std::vector<double> bounds)
      : Family(std::move(name), std::move(help), Type::Histogram, std::move(labels)),
        bounds_(std::move(bounds)) {}
  void observe(LabelValues values, double v);
  void observe(double v) { observe({}, v); }
  std::uint64_t count(LabelValues values = {}) const;

 private:
  struct Series {
    std::vector<std::uint64_t> buckets;  // per bound, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  void render_samples(std::string& out) const override;
  std::vector<double> bounds_;
  std::map<Key, Series> series_;
};

class Registry {
 public:
  Counter& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  Gauge& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Histogram& histogram(std::string name, std::string help, std::vector<std::string> labels,
                       std::vector<double> bounds);
  // Run before each exposition (gauges read from elsewhere, e.g. the outbox).
  void on_collect(std::function<void()> fn);
  // The Prometheus text exposition of every family, in registration order.
  std::string render() const;

 private:
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> collectors_;
  mutable std::mutex render_mu_;  // one exposition at a time (collectors reset gauges)
};

// Label value escaping of the text format: \\, \" and \n.
std::string escape_label_value(std::string_view v);
// A sample value as the text format writes it ("+Inf", integers without ".0").
std::string format_value(double v);

}  // namespace zest::metrics
