// sieve-filter's work on one stored message: run the scripts, decide what
// the result means for a message that is already stored (Pigeonhole's
// sieve-filter(1) rules), and, when executing, carry it out so that the
// message ends up either fully handled or untouched.
//
// The rules, for a message in the source folder S with default mailbox D
// (S unless -m):
// - keep and the implicit keep store into D, fileinto into its mailbox;
//   a store into S itself makes no copy: the original stays, and with -W
//   gets the flags the script gave it;
// - with -W a message stored elsewhere and not kept in S is expunged from
//   S (it has moved); a message stored nowhere (discarded) is kept, moved,
//   flagged \Deleted or expunged as the discard action says;
// - without -W, S is never changed;
// - outgoing actions (redirect, reject, vacation, notify, report) are not
//   carried out; they are listed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "interp/actions.hpp"
#include "interp/vm.hpp"
#include "store/maildir_walk.hpp"

namespace zest::tools {

enum class DiscardAction { Keep, Move, Delete, Expunge };

struct FilterOptions {
  std::filesystem::path root;    // the Maildir (INBOX) the mailbox names are relative to
  std::filesystem::path source;  // the source folder's directory
  std::string default_mailbox;   // D, as scripts name mailboxes; "" = the source folder
  char separator = '/';          // [delivery] hierarchy_separator
  bool execute = false;          // -e
  bool source_write = false;     // -W
  DiscardAction discard = DiscardAction::Keep;
  std::string move_mailbox;  // for DiscardAction::Move
};

// What a result means for one stored message.
struct FilterPlan {
  struct Copy {
    std::string mailbox;
    std::filesystem::path dir;
    interp::Flags flags;
    bool create = false;
  };
  std::vector<Copy> copies;            // stores into folders other than the source
  bool keep_original = false;          // a store targets the source folder
  std::optional<interp::Flags> flags;  // the flags the original gets (keep_original, -W)
  enum class Source { Untouched, Kept, Moved, Left, MovedTo, FlaggedDeleted, Expunged };
  Source source = Source::Untouched;
  std::vector<std::string> outgoing;  // one line per outgoing action not carried out
  std::string error;                  // a mailbox name that cannot be stored into
};

// Decides the plan. `message_flags` are the stored message's flags.
FilterPlan plan_message(const interp::RunOutput& out, const interp::Flags& message_flags,
                        const FilterOptions& opts);

// Carries out a plan for message `m` (only with opts.execute): every copy
// is committed before the source is changed; a failed copy leaves the
// source untouched. Returns an error text on failure.
std::optional<std::string> apply_plan(const FilterPlan& plan, const store::StoredMessage& m,
                                      std::string_view raw, const FilterOptions& opts);

// "kept in source mailbox", "moved to 'Trash'", ... for logs and output.
std::string describe_source(const FilterPlan& plan, const FilterOptions& opts);

}  // namespace zest::tools
