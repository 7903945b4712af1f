#include "delivery/lda_trace.hpp"

#include "base/text.hpp"

namespace zest::delivery {
namespace {

// The length of the field starting at `pos` (its continuation lines too).
std::size_t field_length(std::string_view m, std::size_t pos) {
  std::size_t end = pos;
  while (true) {
    const std::size_t nl = m.find('\n', end);
    if (nl == std::string_view::npos) return m.size() - pos;
    end = nl + 1;
    if (end >= m.size() || (m[end] != ' ' && m[end] != '\t')) return end - pos;
  }
}

}  // namespace

std::string drop_mta_trace(std::string_view message, std::string_view rcpt) {
  std::string out;
  std::size_t pos = 0;
  while (pos < message.size()) {
    const std::size_t len = field_length(message, pos);
    const std::string_view field = message.substr(pos, len);
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) break;
    const std::string_view name = base::trim(field.substr(0, colon));
    const std::string_view value = base::trim(field.substr(colon + 1));
    if (base::iequals(name, "Return-Path")) {
      // dropped: the agent writes the envelope sender
    } else if (base::iequals(name, "Delivered-To")) {
      if (!base::iequals(value, rcpt)) break;
    } else if (base::iequals(name, "X-Original-To")) {
      out.append(field);
    } else {
      break;
    }
    pos += len;
  }
  out.append(message.substr(pos));
  return out;
}

}  // namespace zest::delivery
