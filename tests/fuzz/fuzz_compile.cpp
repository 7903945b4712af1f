// libFuzzer target: interp::compile on arbitrary script source. A script
// that compiles must survive a binary round trip unchanged and run against
// a fixed message without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "interp/compiler.hpp"
#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/vm.hpp"
#include "mail/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zest::interp;
  static const Registry registry;
  static const zest::mail::Message message(
      "From: Alice <alice@example.org>\r\nTo: bob@example.net, carol@example.com\r\n"
      "Subject: =?UTF-8?Q?caf=C3=A9?= [list] urgent\r\nX-Spam-Flag: YES\r\n"
      "List-Id: <list.example.org>\r\n\r\nbody\r\n");
  EngineSettings settings;
  settings.max_instructions = 20000;
  settings.max_script_size = 64 * 1024;
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  auto result = compile(source, registry, settings);
  if (!result.program) {
    if (!result.diags.has_errors()) std::abort();  // no program and no reason
    return 0;
  }
  if (!verify(*result.program).empty()) std::abort();
  const auto bytes = serialize(*result.program);
  auto loaded = load_program(bytes, registry);
  if (!loaded) std::abort();
  if (disassemble(*loaded) != disassemble(*result.program)) std::abort();
  Envelope envelope;
  envelope.from = "alice@example.org";
  envelope.to = "bob+invoices@example.net";
  Host host;
  (void)run_program(*result.program, message, envelope, host, settings, registry);
  return 0;
}
