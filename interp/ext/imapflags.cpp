// The deprecated draft "imapflags" extension (draft-melnikov-sieve-imapflags-03),
// accepted so that old scripts keep working: setflag/addflag/removeflag act
// as imap4flags' do on the internal variable (it implies imap4flags), plus
// mark/unmark for \Flagged. It cannot be required together with imap4flags.
#include <algorithm>

#include "interp/registry.hpp"
#include "interp/runtime.hpp"

namespace zest::interp {
namespace {

// Not base::iequals: this fold also equates the characters 0x20 apart
// outside the letters ('\\' and '|', '@' and '`'), and behaviour stays.
bool same_flag(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

}  // namespace

void register_imapflags(Registry& r) {
  r.add_extension({"imapflags", {"imap4flags"}, {"imap4flags"}});
  for (bool mark : {true, false}) {
    CommandSpec s;
    s.name = mark ? "mark" : "unmark";
    s.extension = "imapflags";
    s.run = [mark](Runtime& rt, const Args&) {
      auto& flags = rt.internal_flags();
      std::erase_if(flags, [](const std::string& f) { return same_flag(f, "\\flagged"); });
      if (mark) flags.push_back("\\Flagged");
    };
    r.add_command(std::move(s));
  }
}

}  // namespace zest::interp
