#include "metrics/registry.hpp"

#include <cmath>
#include <cstdio>

namespace zest::metrics {

std::string escape_label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

namespace {

// HELP text escaping: \\ and \n.
std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string_view type_name(Family::Type t) {
  switch (t) {
    case Family::Type::Counter:
      return "counter";
    case Family::Type::Gauge:
      return "gauge";
    case Family::Type::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

Family::Key Family::key(LabelValues values) const {
  Key k(values.begin(), values.end());
  k.resize(labels_.size());
  return k;
}

std::string Family::label_text(const Key& k, std::string_view extra) const {
  std::string out;
  for (std::size_t i = 0; i < labels_.size() && i < k.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += labels_[i] + "=\"" + escape_label_value(k[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "{" : ",") + std::string(extra);
  if (!out.empty()) out += "}";
  return out;
}

void Family::render(std::string& out) const {
  out += "# HELP " + name_ + " " + escape_help(help_) + "\n";
  out += "# TYPE " + name_ + " " + std::string(type_name(type_)) + "\n";
  std::lock_guard lock(mu_);
  render_samples(out);
}

void Counter::inc(LabelValues values, double by) {
  auto k = key(values);
  std::lock_guard lock(mu_);
  values_[std::move(k)] += by;
}

double Counter::value(LabelValues values) const {
  const auto k = key(values);
  std::lock_guard lock(mu_);
  const auto it = values_.find(k);
  return it == values_.end() ? 0 : it->second;
}

void Counter::render_samples(std::string& out) const {
  // A family without labels shows 0 before its first event.
  if (values_.empty() && label_names().empty()) out += name() + " 0\n";
  for (const auto& [k, v] : values_) out += name() + label_text(k) + " " + format_value(v) + "\n";
}

void Gauge::set(LabelValues values, double v) {
  auto k = key(values);
  std::lock_guard lock(mu_);
  values_[std::move(k)] = v;
}

void Gauge::add(LabelValues values, double by) {
  auto k = key(values);
  std::lock_guard lock(mu_);
  values_[std::move(k)] += by;
}

void Gauge::clear() {
  std::lock_guard lock(mu_);
  values_.clear();
}

double Gauge::value(LabelValues values) const {
  const auto k = key(values);
  std::lock_guard lock(mu_);
  const auto it = values_.find(k);
  return it == values_.end() ? 0 : it->second;
}

void Gauge::render_samples(std::string& out) const {
  if (values_.empty() && label_names().empty()) out += name() + " 0\n";
  for (const auto& [k, v] : values_) out += name() + label_text(k) + " " + format_value(v) + "\n";
}

void Histogram::observe(LabelValues values, double v) {
  auto k = key(values);
  std::lock_guard lock(mu_);
  Series& s = series_[std::move(k)];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  for (std::size_t i = 0; i < bounds_.size(); ++i)
    if (v <= bounds_[i]) {
      ++s.buckets[i];
      break;
    }
  ++s.count;
  s.sum += v;
}

std::uint64_t Histogram::count(LabelValues values) const {
  const auto k = key(values);
  std::lock_guard lock(mu_);
  const auto it = series_.find(k);
  return it == series_.end() ? 0 : it->second.count;
}

void Histogram::render_samples(std::string& out) const {
  auto one = [&](const Key& k, const Series* s) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      if (s) cumulative += s->buckets[i];
      out += name() + "_bucket" + label_text(k, "le=\"" + format_value(bounds_[i]) + "\"") + " " +
             std::to_string(cumulative) + "\n";
    }
    const std::uint64_t count = s ? s->count : 0;
    out += name() + "_bucket" + label_text(k, "le=\"+Inf\"") + " " + std::to_string(count) + "\n";
    out += name() + "_sum" + label_text(k) + " " + format_value(s ? s->sum : 0) + "\n";
    out += name() + "_count" + label_text(k) + " " + std::to_string(count) + "\n";
  };
  if (series_.empty() && label_names().empty()) one({}, nullptr);
  for (const auto& [k, s] : series_) one(k, &s);
}

Counter& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  auto f = std::make_unique<Counter>(std::move(name), std::move(help), std::move(labels));
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

Gauge& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  auto f = std::make_unique<Gauge>(std::move(name), std::move(help), std::move(labels));
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

Histogram& Registry::histogram(std::string name, std::string help, std::vector<std::string> labels,
                               std::vector<double> bounds) {
  auto f = std::make_unique<Histogram>(std::move(name), std::move(help), std::move(labels),
                                       std::move(bounds));
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

void Registry::on_collect(std::function<void()> fn) {
  collectors_.push_back(std::move(fn));
}

std::string Registry::render() const {
  std::lock_guard lock(render_mu_);
  for (const auto& c : collectors_) c();
  std::string out;
  for (const auto& f : families_) f->render(out);
  return out;
}

}  // namespace zest::metrics
