// The result of one script run: the actions to carry out, with the RFC 5228
// §4 rules (implicit keep, duplicate merging, limits, conflicts) applied as
// actions are added.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zest::mail {
class Message;
}

namespace zest::interp {

// IMAP flags in canonical form: system flags capitalised, duplicates
// removed case-insensitively, sorted by the lower-cased form.
using Flags = std::vector<std::string>;
Flags canonical_flags(const std::vector<std::string>& flags);
// Flag list arguments may hold several space-separated flags per string.
std::vector<std::string> split_flags(const std::vector<std::string>& strings);
// An RFC 3501 flag zest may store: one of the five settable system flags
// (\Answered \Deleted \Draft \Flagged \Seen, any case) or a keyword atom
// (printable ASCII without atom-specials). Anything else, such as a name
// with a space, TAB or line break taken from a header through a variable,
// would corrupt dovecot-keywords and is never stored.
bool valid_flag(std::string_view flag);
// split_flags without the invalid flags; `first_invalid` (when given) gets
// the first one left out, for the warning Pigeonhole also logs.
std::vector<std::string> split_valid_flags(const std::vector<std::string>& strings,
                                           std::string* first_invalid = nullptr);

struct KeepAction {
  Flags flags;
  // Came from `fileinto "INBOX"` only (Pigeonhole names that a "store");
  // an explicit keep merged into it makes it a keep.
  bool from_fileinto = false;
};
struct FileintoAction {
  std::string mailbox;
  Flags flags;
  bool copy = false;
  bool create = false;
  std::optional<std::string> specialuse;
  std::optional<std::string> mailboxid;
};
struct RedirectAction {
  std::string address;
  bool copy = false;
};
struct DiscardAction {};
struct RejectAction {
  std::string reason;
  bool ereject = false;
};
// RFC 8580: where to file a copy of a message the action sends.
struct FccTarget {
  std::string mailbox;
  std::vector<std::string> flags;
  bool create = false;
  std::optional<std::string> specialuse;
  std::optional<std::string> mailboxid;
};
struct VacationAction {
  std::uint64_t seconds = 0;
  std::optional<std::string> subject;
  std::optional<std::string> from;
  std::optional<std::string> handle;
  std::string reason;
  std::vector<std::string> addresses;
  bool mime = false;
  std::optional<FccTarget> fcc;
};
struct NotifyAction {
  std::string uri;
  std::string method;
  int importance = 2;
  std::optional<std::string> from;
  std::optional<std::string> message;
  std::vector<std::string> options;
  std::optional<FccTarget> fcc;  // RFC 8580 §5
};

// vnd.dovecot.report: an RFC 5965 abuse report about the message.
struct ReportAction {
  std::string feedback_type;
  std::string message;
  std::string address;
  bool headers_only = false;
};

// vnd.dovecot.pipe: the message is piped to an external program when the
// result is carried out (delivery/executor.cpp); `try_` makes a failure a
// warning instead of a failed delivery.
struct PipeAction {
  std::string program;
  std::vector<std::string> args;
  bool try_ = false;
  bool copy = false;
};

using Action = std::variant<KeepAction, FileintoAction, RedirectAction, DiscardAction, RejectAction,
                            VacationAction, NotifyAction, ReportAction, PipeAction>;

// A duplicate id (RFC 7352) recorded when the result is executed.
struct DuplicateMark {
  std::string id;
  std::uint64_t seconds = 0;
};

std::string_view action_name(const Action& a);
// One line saying what the action will do, for traces:
// "store message in mailbox 'Lists/sieve' with flags \\Seen".
std::string describe_action(const Action& a);

struct ActionLimits {
  std::size_t max_actions = 32;
  std::size_t max_redirects = 4;
};

// "INBOX" in any case as the first hierarchy component is written INBOX.
std::string canonical_mailbox(std::string_view mailbox);

class ActionList {
 public:
  explicit ActionList(ActionLimits limits = {}) : limits_(limits) {}

  // Each returns an error message when the action cannot be added (a limit
  // or a conflict): the caller turns that into a run-time error.
  std::optional<std::string> keep(Flags flags, bool from_fileinto = false);
  std::optional<std::string> fileinto(FileintoAction a);
  std::optional<std::string> redirect(RedirectAction a);
  std::optional<std::string> discard();
  std::optional<std::string> reject(RejectAction a);
  std::optional<std::string> vacation(VacationAction a);
  std::optional<std::string> notify(NotifyAction a);
  std::optional<std::string> report(ReportAction a);
  std::optional<std::string> pipe(PipeAction a);

  // Duplicate ids to record once the result is executed successfully.
  void mark_duplicate(DuplicateMark m);
  const std::vector<DuplicateMark>& duplicate_marks() const { return marks_; }

  // editheader: the edited version of message `base`; actions added from
  // now on carry it. nullptr drops the edits.
  void set_edited_message(const mail::Message* base, std::shared_ptr<const mail::Message> edited);
  // The edited version of `base`, or nullptr when it was not edited.
  const mail::Message* edited_message(const mail::Message* base) const {
    return base == edited_base_ ? edited_.get() : nullptr;
  }
  // The edited message the action at `index` was added with (nullptr: the
  // message as delivered).
  const mail::Message* message_of(std::size_t index) const {
    return index < snapshots_.size() ? snapshots_[index].get() : nullptr;
  }

  // The draft notify's denotify: drops the notify actions `cancel` selects.
  void remove_notifications(const std::function<bool(const NotifyAction&)>& cancel);

  const std::vector<Action>& actions() const { return actions_; }
  // The first `n` actions were already carried out (a result executed in
  // steps, as several scripts add to it): conflicts with them are ignored
  // and a reject after an executed reject is dropped, as Pigeonhole does.
  void set_executed(std::size_t n) { executed_ = n; }
  bool implicit_keep() const { return implicit_keep_; }
  void clear();

 private:
  std::optional<std::string> count_one();
  std::optional<std::string> reject_conflict(std::string_view other) const;
  void push(Action a);
  ActionLimits limits_;
  std::vector<Action> actions_;
  std::vector<std::shared_ptr<const mail::Message>> snapshots_;  // per action
  std::vector<DuplicateMark> marks_;
  const mail::Message* edited_base_ = nullptr;
  std::shared_ptr<const mail::Message> edited_;
  bool implicit_keep_ = true;
  std::size_t executed_ = 0;
  std::size_t redirects_ = 0;
};

}  // namespace zest::interp
