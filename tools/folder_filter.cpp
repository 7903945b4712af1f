#include "tools/folder_filter.hpp"

#include <algorithm>

#include "store/maildir_tx.hpp"

namespace zest::tools {
namespace fs = std::filesystem;

namespace {

struct OutgoingLine {
  std::string operator()(const interp::RedirectAction& a) const {
    return "redirect to <" + a.address + ">";
  }
  std::string operator()(const interp::RejectAction& a) const {
    return std::string(a.ereject ? "ereject" : "reject");
  }
  std::string operator()(const interp::VacationAction& a) const {
    return "vacation reply" + (a.subject ? " (subject: " + *a.subject + ")" : std::string());
  }
  std::string operator()(const interp::NotifyAction& a) const { return "notify " + a.uri; }
  std::string operator()(const interp::ReportAction& a) const {
    return a.feedback_type + " report to <" + a.address + ">";
  }
  template <class T>
  std::string operator()(const T&) const {
    return {};
  }
};

}  // namespace

FilterPlan plan_message(const interp::RunOutput& out, const interp::Flags& message_flags,
                        const FilterOptions& opts) {
  FilterPlan plan;
  auto store = [&](const std::string& mailbox, const interp::Flags& flags, bool create) {
    if (mailbox.empty()) {  // the default mailbox is the source folder
      if (!plan.keep_original) plan.flags = flags;
      plan.keep_original = true;
      return;
    }
    auto dir = store::maildir_folder(opts.root, mailbox, opts.separator);
    if (!dir) {
      if (plan.error.empty()) plan.error = "mailbox '" + mailbox + "': " + dir.error();
      return;
    }
    std::error_code ec;
    if (fs::weakly_canonical(*dir, ec) == fs::weakly_canonical(opts.source, ec)) {
      if (!plan.keep_original) plan.flags = flags;
      plan.keep_original = true;
      return;
    }
    for (const auto& c : plan.copies)
      if (c.dir == *dir) return;
    plan.copies.push_back({mailbox, *dir, flags, create});
  };
  if (out.status != interp::RunOutput::Status::Ok) {
    // RFC 5228 §2.10.6: the implicit keep, the message as it is.
    store(opts.default_mailbox, message_flags, false);
  } else {
    for (const auto& a : out.actions) {
      if (const auto* k = std::get_if<interp::KeepAction>(&a))
        store(k->from_fileinto ? "INBOX" : opts.default_mailbox, k->flags, false);
      else if (const auto* f = std::get_if<interp::FileintoAction>(&a))
        store(f->mailbox, f->flags, f->create);
      else if (auto line = std::visit(OutgoingLine{}, a); !line.empty())
        plan.outgoing.push_back(std::move(line));
    }
    if (out.implicit_keep) store(opts.default_mailbox, out.implicit_keep_flags, false);
  }
  if (!opts.source_write) {
    plan.source = FilterPlan::Source::Untouched;
    plan.flags.reset();
  } else if (plan.keep_original) {
    plan.source = FilterPlan::Source::Kept;
    if (plan.flags &&
        interp::canonical_flags(*plan.flags) == interp::canonical_flags(message_flags))
      plan.flags.reset();
  } else if (!plan.copies.empty()) {
    plan.source = FilterPlan::Source::Moved;
  } else {
    switch (opts.discard) {
      case DiscardAction::Keep:
        plan.source = FilterPlan::Source::Left;
        break;
      case DiscardAction::Move:
        plan.source = FilterPlan::Source::MovedTo;
        break;
      case DiscardAction::Delete:
        plan.source = FilterPlan::Source::FlaggedDeleted;
        break;
      case DiscardAction::Expunge:
        plan.source = FilterPlan::Source::Expunged;
        break;
    }
  }
  return plan;
}

std::string describe_source(const FilterPlan& plan, const FilterOptions& opts) {
  using S = FilterPlan::Source;
  switch (plan.source) {
    case S::Untouched:
      return "source mailbox not changed (read-only without -W)";
    case S::Kept:
      return plan.flags ? "message kept in source mailbox with new flags"
                        : "message kept in source mailbox";
    case S::Moved:
      return "message expunged from source mailbox upon successful move";
    case S::Left:
      return "message left in source mailbox";
    case S::MovedTo:
      return "message in source mailbox moved to mailbox '" + opts.move_mailbox + "'";
    case S::FlaggedDeleted:
      return "message flagged as deleted in source mailbox";
    case S::Expunged:
      return "message expunged from source mailbox";
  }
  return {};
}

std::optional<std::string> apply_plan(const FilterPlan& plan, const store::StoredMessage& m,
                                      std::string_view raw, const FilterOptions& opts) {
  using S = FilterPlan::Source;
  if (!plan.error.empty()) return plan.error;
  store::MaildirTransaction tx;
  for (const auto& c : plan.copies) {
    if (!store::maildir_exists(c.dir)) {
      if (!c.create) return "mailbox '" + c.mailbox + "' does not exist";
      if (auto r = store::create_maildir(c.dir, c.dir != opts.root); !r)
        return "mailbox '" + c.mailbox + "': " + r.error();
    }
    if (auto r = tx.stage(c.dir, raw, c.flags); !r) return r.error().message;
  }
  if (plan.source == S::MovedTo) {
    auto dir = store::maildir_folder(opts.root, opts.move_mailbox, opts.separator);
    if (!dir) return "mailbox '" + opts.move_mailbox + "': " + dir.error();
    if (auto r = tx.stage(*dir, raw, m.flags); !r) return r.error().message;
  }
  if (tx.staged() > 0)
    if (auto r = tx.commit(); !r) return r.error().message;
  // Every copy is visible and durable; only now is the source changed.
  switch (plan.source) {
    case S::Kept:
      if (plan.flags)
        if (auto r = store::set_stored_flags(opts.source, m, *plan.flags); !r)
          return r.error().message;
      break;
    case S::Moved:
    case S::MovedTo:
    case S::Expunged:
      if (auto r = store::expunge_stored(m); !r) return r.error().message;
      break;
    case S::FlaggedDeleted: {
      interp::Flags flags = m.flags;
      flags.emplace_back("\\Deleted");
      if (auto r = store::set_stored_flags(opts.source, m, interp::canonical_flags(flags)); !r)
        return r.error().message;
      break;
    }
    case S::Untouched:
    case S::Left:
      break;
  }
  return std::nullopt;
}

}  // namespace zest::tools
