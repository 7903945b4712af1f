// libFuzzer target: load_program on arbitrary bytes (a .svbc file from
// disk is untrusted). A binary that loads must verify, disassemble and run
// against a fixed message without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "interp/program.hpp"
#include "interp/registry.hpp"
#include "interp/vm.hpp"
#include "mail/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zest::interp;
  static const Registry registry;
  static const zest::mail::Message message(
      "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: test\r\n"
      "List-Id: <list.example.org>\r\n\r\nbody\r\n");
  auto loaded = load_program({data, size}, registry);
  if (!loaded) {
    if (loaded.error().message.empty()) std::abort();  // every error says why
    return 0;
  }
  if (!verify(*loaded).empty()) std::abort();  // load_program let through a bad program
  volatile std::size_t sink = disassemble(*loaded).size();
  (void)sink;
  EngineSettings settings;
  settings.max_instructions = 20000;
  Envelope envelope;
  envelope.from = "alice@example.org";
  envelope.to = "bob@example.net";
  Host host;
  (void)run_program(*loaded, message, envelope, host, settings, registry);
  return 0;
}
