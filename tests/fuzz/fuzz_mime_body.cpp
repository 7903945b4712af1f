// libFuzzer target: the MIME view as the language uses it. A fixed set of
// scripts exercising body (:raw/:content/:text), mime/foreverypart,
// extracttext, header :mime :param/:anychild and replace/enclose runs
// against the fuzzed message, so every decoder behind those tests (transfer
// encodings, charsets, nested message/rfc822, multipart boundaries) sees
// hostile input in the shape the interpreter reads it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "interp/compiler.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/vm.hpp"
#include "mail/message.hpp"

namespace {

constexpr std::array<std::string_view, 5> kScripts = {
    R"(require ["body", "fileinto"];
if body :raw :contains "secret" { fileinto "raw"; }
if body :content "text" :contains "offer" { fileinto "content"; }
if body :text :matches "*money*" { fileinto "text"; }
if body :content ["image", "application/pdf", "multipart"] :contains "a" { keep; }
)",
    R"(require ["foreverypart", "mime", "variables", "extracttext"];
foreverypart {
  if header :mime :type "Content-Type" "text" {
    extracttext :first 200 "t";
    if string :contains "${t}" "x" { set "seen" "1"; }
  }
  if header :mime :param "filename" :matches "Content-Disposition" "*.exe" { discard; }
  foreverypart :name "inner" { if exists "Content-Id" { break :name "inner"; } }
}
)",
    R"(require ["mime", "variables"];
if header :mime :anychild :contenttype "Content-Type" "text/html" { set "h" "1"; }
if header :mime :anychild :subtype "Content-Type" "plain" { set "p" "1"; }
if address :mime :anychild :all "From" "a@b.c" { stop; }
if exists :mime :anychild "Content-Transfer-Encoding" { keep; }
)",
    R"(require ["foreverypart", "mime", "replace", "enclose"];
foreverypart { if header :mime :type "Content-Type" "application" { replace "removed"; } }
enclose :subject "wrapped" "see attachment";
)",
    R"(require ["body", "mime", "foreverypart", "variables"];
set "n" "0";
foreverypart { set "n" "${n}1"; }
if body :content "message/rfc822" :contains "From" { keep; }
)",
};

struct Fixture {
  zest::interp::Registry registry;
  zest::interp::EngineSettings settings;
  std::array<std::unique_ptr<zest::interp::Program>, kScripts.size()> programs;

  Fixture() {
    settings.max_instructions = 50000;
    for (std::size_t i = 0; i < kScripts.size(); ++i) {
      auto result = zest::interp::compile(kScripts[i], registry, settings);
      if (!result.program) std::abort();  // the fixed scripts must compile
      programs[i] = std::make_unique<zest::interp::Program>(std::move(*result.program));
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zest::interp;
  static const Fixture fixture;
  const zest::mail::Message message(std::string(reinterpret_cast<const char*>(data), size));
  Envelope envelope;
  envelope.from = "alice@example.org";
  envelope.to = "bob@example.net";
  for (const auto& program : fixture.programs) {
    Host host;
    (void)run_program(*program, message, envelope, host, fixture.settings, fixture.registry);
  }
  return 0;
}
