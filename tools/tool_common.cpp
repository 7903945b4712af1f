#include "tools/tool_common.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/file.hpp"
#include "grammar/diagnostics.hpp"

namespace zest::tools {
namespace fs = std::filesystem;

bool write_file(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

LoadedScript load_script(const std::string& path, const interp::Registry& registry,
                         const interp::EngineSettings& settings, bool use_cache) {
  LoadedScript out;
  auto load_binary = [&](const std::string& bin) -> std::optional<std::string> {
    auto bytes = base::read_file(bin);
    if (!bytes) return bin + ": cannot read file";
    const auto* b = reinterpret_cast<const std::uint8_t*>(bytes->data());
    auto loaded = interp::load_program({b, bytes->size()}, registry);
    if (!loaded) {
      return bin + ": " +
             (loaded.error().kind == interp::LoadError::Kind::Stale ? "stale binary: "
                                                                    : "corrupt binary: ") +
             loaded.error().message;
    }
    out.program = std::move(loaded.value());
    return std::nullopt;
  };

  if (path.size() > 5 && path.ends_with(".svbc")) {
    if (auto err = load_binary(path)) {
      out.diagnostics.push_back(*err);
      out.errors = 1;
    }
    return out;
  }
  if (use_cache) {
    const fs::path p(path);
    const fs::path cached = p.parent_path() / (p.stem().string() + ".svbc");
    std::error_code ec;
    if (fs::exists(cached, ec) && fs::last_write_time(cached, ec) >= fs::last_write_time(p, ec) &&
        !load_binary(cached.string()))
      return out;
    out.program.reset();
  }
  auto source = base::read_file(path);
  if (!source) {
    out.diagnostics.push_back(path + ": cannot read file");
    out.errors = 1;
    return out;
  }
  auto result = interp::compile(*source, registry, settings);
  for (const auto& d : result.diags.all())
    out.diagnostics.push_back(grammar::format_with_source(path, *source, d));
  out.errors = result.diags.error_count();
  out.program = std::move(result.program);
  return out;
}

std::vector<std::string> all_capabilities(const interp::Registry& registry) {
  std::vector<std::string> out;
  for (const auto& e : registry.extensions()) out.push_back(e.name);
  return out;
}

}  // namespace zest::tools
