#include "tools/result_format.hpp"

#include <nlohmann/json.hpp>

#include "base/crlf.hpp"
#include "methods/method.hpp"

namespace zest::tools {
namespace {

using json = nlohmann::ordered_json;

json opt(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

std::string_view scheme_of(std::string_view uri) {
  const auto colon = uri.find(':');
  return colon == std::string_view::npos ? std::string_view{} : uri.substr(0, colon);
}

struct ActionToJson {
  const std::string& default_mailbox;
  json operator()(const interp::KeepAction& a) const {
    json j = {{"type", "keep"}, {"flags", a.flags}};
    if (!default_mailbox.empty()) j["mailbox"] = a.from_fileinto ? "INBOX" : default_mailbox;
    return j;
  }
  json operator()(const interp::FileintoAction& a) const {
    return {{"type", "fileinto"},
            {"mailbox", a.mailbox},
            {"flags", a.flags},
            {"copy", a.copy},
            {"create", a.create}};
  }
  json operator()(const interp::RedirectAction& a) const {
    return {{"type", "redirect"}, {"address", a.address}, {"copy", a.copy}};
  }
  json operator()(const interp::DiscardAction&) const { return {{"type", "discard"}}; }
  json operator()(const interp::RejectAction& a) const {
    return {{"type", "reject"}, {"reason", base::crlf_to_lf(a.reason)}};
  }
  json operator()(const interp::VacationAction& a) const {
    json j = {{"type", "vacation"},        {"seconds", a.seconds},
              {"subject", opt(a.subject)}, {"from", opt(a.from)},
              {"handle", opt(a.handle)},   {"reason", base::crlf_to_lf(a.reason)}};
    if (a.fcc) j["fcc"] = a.fcc->mailbox;
    return j;
  }
  json operator()(const interp::ReportAction& a) const {
    return {{"type", "report"},
            {"feedback_type", a.feedback_type},
            {"message", base::crlf_to_lf(a.message)},
            {"address", a.address},
            {"headers_only", a.headers_only}};
  }
  json operator()(const interp::PipeAction& a) const {
    return {{"type", "pipe"},
            {"program", a.program},
            {"args", a.args},
            {"try", a.try_},
            {"copy", a.copy}};
  }
  json operator()(const interp::NotifyAction& a) const {
    // recipients/headers/body as the method parses the URI (methods/).
    methods::Policy policy;
    policy.allow_http = true;  // describe whatever the run accepted
    const auto registry = methods::standard_methods(policy);
    methods::Description d;
    if (const methods::Method* m = registry.find(a.uri))
      d = m->describe({a.uri, a.from, a.importance, a.options, a.message});
    json recipients = json::array(), headers = json::array();
    for (const auto& r : d.recipients)
      recipients.push_back({{"field", r.field}, {"address", r.address}});
    for (const auto& h : d.headers) headers.push_back({{"name", h.name}, {"value", h.value}});
    json j = {{"type", "notify"},
              {"method", std::string(scheme_of(a.uri))},
              {"importance", a.importance},
              {"from", opt(a.from)},
              {"subject", opt(d.subject ? d.subject : a.message)},
              {"recipients", recipients},
              {"headers", headers},
              {"body", d.body ? json(base::crlf_to_lf(*d.body)) : json(nullptr)},
              {"uri", a.uri},
              {"options", a.options},
              {"message", opt(a.message)}};
    if (a.fcc) j["fcc"] = a.fcc->mailbox;
    return j;
  }
};

}  // namespace

json json_result(RunStatus status, const interp::RunOutput& out,
                 const std::vector<std::string>& errors, const std::string& default_mailbox) {
  json j;
  j["status"] = status == RunStatus::Ok             ? "ok"
                : status == RunStatus::RuntimeError ? "runtime_error"
                                                    : "compile_error";
  j["actions"] = json::array();
  if (status == RunStatus::Ok)
    for (const auto& a : out.actions)
      j["actions"].push_back(std::visit(ActionToJson{default_mailbox}, a));
  j["implicit_keep"] = status == RunStatus::Ok ? out.implicit_keep : true;
  j["implicit_keep_flags"] =
      status == RunStatus::Ok && out.implicit_keep ? json(out.implicit_keep_flags) : json::array();
  j["errors"] = errors;
  if (!default_mailbox.empty()) j["default_mailbox"] = default_mailbox;
  return j;
}

std::string format_json(RunStatus status, const interp::RunOutput& out,
                        const std::vector<std::string>& errors,
                        const std::string& default_mailbox) {
  return json_result(status, out, errors, default_mailbox).dump(2) + "\n";
}

namespace {

std::string flags_suffix(const interp::Flags& flags) {
  if (flags.empty()) return {};
  std::string s = "\n        + add flags:";
  for (const auto& f : flags) s += " " + f;
  return s;
}

struct ActionToText {
  std::string operator()(const interp::KeepAction& a) const {
    return "store message in folder: INBOX" + flags_suffix(a.flags);
  }
  std::string operator()(const interp::FileintoAction& a) const {
    return "store message in folder: " + a.mailbox + (a.create ? " (create)" : "") +
           flags_suffix(a.flags);
  }
  std::string operator()(const interp::RedirectAction& a) const {
    return "redirect message to: " + a.address;
  }
  std::string operator()(const interp::DiscardAction&) const { return "discard"; }
  std::string operator()(const interp::RejectAction& a) const {
    return std::string(a.ereject ? "ereject" : "reject") +
           " message with reason: " + base::crlf_to_lf(a.reason);
  }
  std::string operator()(const interp::VacationAction& a) const {
    return "send vacation message (period " + std::to_string(a.seconds) + "s)" +
           (a.subject ? ", subject: " + *a.subject : std::string()) +
           (a.fcc ? "\n        => fcc: " + a.fcc->mailbox : std::string());
  }
  std::string operator()(const interp::ReportAction& a) const {
    return "send " + a.feedback_type + " report to: " + a.address;
  }
  std::string operator()(const interp::PipeAction& a) const {
    std::string s = "pipe message to external program '" + a.program + "'";
    for (const auto& arg : a.args) s += "\n        => argument: " + arg;
    s += std::string("\n        => try           : ") + (a.try_ ? "yes" : "no");
    return s;
  }
  std::string operator()(const interp::NotifyAction& a) const {
    std::string s = "send notification with method '" + a.uri + "'";
    s += "\n        => importance: " + std::to_string(a.importance);
    if (a.from) s += "\n        => from: " + *a.from;
    for (const auto& o : a.options) s += "\n        => option: " + o;
    if (a.message) s += "\n        => message: " + *a.message;
    if (a.fcc) s += "\n        => fcc: " + a.fcc->mailbox;
    return s;
  }
};

}  // namespace

std::string format_text(const interp::RunOutput& out, const std::string& default_mailbox) {
  const std::string keep_box = default_mailbox.empty() ? "INBOX" : default_mailbox;
  std::string s = "\nPerformed actions:\n\n";
  bool any = false;
  for (const auto& a : out.actions) {
    if (std::holds_alternative<interp::KeepAction>(a)) continue;
    s += " * " + std::visit(ActionToText{}, a) + "\n";
    any = true;
  }
  if (!any) s += "  (none)\n";
  s += "\nImplicit keep:\n\n";
  bool keep = out.implicit_keep;
  interp::Flags flags = out.implicit_keep_flags;
  std::string box = keep_box;
  for (const auto& a : out.actions)
    if (const auto* k = std::get_if<interp::KeepAction>(&a)) {
      keep = true;
      flags = k->flags;
      if (k->from_fileinto) box = "INBOX";
    }
  if (keep) {
    s += " * store message in folder: " + box + flags_suffix(flags) + "\n";
  } else {
    s += "  (none)\n";
  }
  s += "\n";
  return s;
}

}  // namespace zest::tools
