// The [sieve] table of the TOML configuration (config/config.cpp).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "config/config.hpp"
#include "interp/compiler.hpp"
#include "interp/registry.hpp"

namespace zest::config {
namespace {

TEST(EngineConfig, MaxCpuTimeInSecondsOrWithAUnit) {
  auto s = parse_engine_settings("[sieve]\nmax_cpu_time = 2\n", "z.toml");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s.value().max_cpu_time, std::chrono::milliseconds(2000));
  s = parse_engine_settings("[sieve]\nmax_cpu_time = \"250ms\"\n", "z.toml");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.value().max_cpu_time, std::chrono::milliseconds(250));
  s = parse_engine_settings("", "z.toml");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.value().max_cpu_time, std::chrono::milliseconds(30000));  // the default
}

TEST(EngineConfig, BadMaxCpuTimeNamesTheLocation) {
  const auto s = parse_engine_settings("[sieve]\nmax_cpu_time = \"soon\"\n", "z.toml");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().rfind("z.toml:2:", 0), 0u) << s.error();
  EXPECT_NE(s.error().find("max_cpu_time"), std::string::npos);
}

TEST(MemoryLimits, ConfigKeys) {
  auto s =
      parse_engine_settings("[sieve]\nmax_memory = \"8M\"\nmax_variable_size = 8000\n", "z.toml");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s.value().max_memory, std::size_t{8} << 20);
  EXPECT_EQ(s.value().value("variables_max_variable_size"), "8000");
  s = parse_engine_settings("[sieve]\nmax_memory = 1000\n", "z.toml");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.value().max_memory, 1000u);
  // Pigeonhole's name keeps working.
  s = parse_engine_settings("[sieve]\nvariables_max_variable_size = 5000\n", "z.toml");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.value().value("variables_max_variable_size"), "5000");
  s = parse_engine_settings("", "z.toml");
  ASSERT_TRUE(s);
  EXPECT_EQ(s.value().max_memory, std::size_t{32} << 20);  // the default
  const auto bad = parse_engine_settings("[sieve]\nmax_memory = \"lots\"\n", "z.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().rfind("z.toml:2:", 0), 0u) << bad.error();
  EXPECT_NE(bad.error().find("max_memory"), std::string::npos);
}

}  // namespace
}  // namespace zest::config

namespace zest::config {
namespace {

// extprograms keys: Pigeonhole's sieve_<kind>_* without the prefix, checked
// with the key's location.
TEST(EngineConfig, ExtprogramsKeys) {
  auto s = parse_engine_settings(
      "[sieve]\npipe_bin_dir = \"/usr/lib/zest/pipe\"\npipe_exec_timeout = \"30s\"\n"
      "execute_input_eol = \"lf\"\nfilter_max_output = \"16M\"\nexecute_exec_timeout = 0\n",
      "z.toml");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s.value().value("pipe_bin_dir"), "/usr/lib/zest/pipe");
  EXPECT_TRUE(s.value().extension_enabled("vnd.dovecot.pipe"));
  EXPECT_FALSE(s.value().extension_enabled("vnd.dovecot.filter"));  // no filter_bin_dir
  s = parse_engine_settings("[sieve]\nfilter_exec_timeout = \"soon\"\n", "z.toml");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().rfind("z.toml:2:", 0), 0u) << s.error();
  EXPECT_NE(s.error().find("filter_exec_timeout"), std::string::npos);
  s = parse_engine_settings("[sieve]\npipe_input_eol = \"cr\"\n", "z.toml");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("pipe_input_eol"), std::string::npos);
}

// [sieve] global_extensions (Pigeonhole's sieve_global_extensions): enabled,
// but a personal script that requires one does not compile.
TEST(EngineConfig, GlobalExtensionsOnlyInGlobalScripts) {
  auto s = parse_engine_settings(
      "[sieve]\npipe_bin_dir = \"/usr/lib/zest/pipe\"\n"
      "global_extensions = [\"vnd.dovecot.pipe\"]\n",
      "z.toml");
  ASSERT_TRUE(s) << s.error();
  const interp::EngineSettings& global = s.value();
  EXPECT_TRUE(global.extension_enabled("vnd.dovecot.pipe"));
  EXPECT_TRUE(global.restricted_to_global("vnd.dovecot.pipe"));
  EXPECT_FALSE(global.restricted_to_global("fileinto"));
  const interp::Registry registry;
  const std::string script = "require \"vnd.dovecot.pipe\";\npipe \"sa-learn\";\n";
  EXPECT_TRUE(interp::compile(script, registry, global).program);  // sieve_before/after
  const auto personal = interp::compile(script, registry, global.for_personal_script());
  EXPECT_FALSE(personal.program);
  std::string text;
  for (const auto& d : personal.diags.all()) text += d.message + "\n";
  EXPECT_NE(text.find("failed to load Sieve capability 'vnd.dovecot.pipe': its use is "
                      "restricted to global scripts"),
            std::string::npos)
      << text;
  // ihave says no in a personal script.
  const std::string guarded = "require \"ihave\";\nif ihave \"vnd.dovecot.pipe\" { discard; }\n";
  EXPECT_TRUE(interp::compile(guarded, registry, global.for_personal_script()).program);
  // Pigeonhole's "+a +b" string, and unknown names with the position.
  s = parse_engine_settings("[sieve]\nglobal_extensions = \"+vnd.dovecot.execute editheader\"\n",
                            "z.toml");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s.value().global_extensions,
            (std::set<std::string, std::less<>>{"editheader", "vnd.dovecot.execute"}));
  s = parse_engine_settings("[sieve]\nglobal_extensions = [\"vnd.dovecot.nosuch\"]\n", "z.toml");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().rfind("z.toml:2:", 0), 0u) << s.error();
  EXPECT_NE(s.error().find("unknown extension 'vnd.dovecot.nosuch'"), std::string::npos);
}

// [sieve.lists]: RFC 6134 lists (docs/extlists.md), keyed by normalized name.
TEST(EngineConfig, ExtLists) {
  auto s = parse_engine_settings(
      "[sieve.lists.\":addrbook:Friends\"]\nfile = \"/etc/zest/friends.txt\"\n"
      "[sieve.lists.\"tag:example.com,2026:vip\"]\n"
      "redis = \"redis://127.0.0.1:6379/2\"\nkey = \"vip\"\n"
      "[sieve.lists.\"urn:example:old\"]\ndovecot_dict = \"/var/lib/lists.dict\"\n"
      "[sieve.lists.\"urn:example:empty\"]\n",
      "z.toml");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s.value().ext_lists,
            (std::map<std::string, std::string, std::less<>>{
                {"urn:ietf:params:sieve:addrbook:friends", "file:/etc/zest/friends.txt"},
                {"tag:example.com,2026:vip", "redis:redis://127.0.0.1:6379/2#vip"},
                {"urn:example:old", "dict:/var/lib/lists.dict"},
                {"urn:example:empty", ""}}));
}

TEST(EngineConfig, BadExtListsNameTheLocation) {
  auto error_of = [](const std::string& toml) {
    auto s = parse_engine_settings(toml, "z.toml");
    EXPECT_FALSE(s) << toml;
    return s ? std::string() : s.error();
  };
  std::string e = error_of("[sieve.lists.\"http://x/y\"]\nfile = \"/a\"\n");
  EXPECT_EQ(e.rfind("z.toml:", 0), 0u) << e;
  EXPECT_NE(e.find("not a valid list name"), std::string::npos) << e;
  e = error_of(
      "[sieve.lists.\"urn:example:a\"]\nfile = \"/a\"\nredis = \"redis://h/0\"\nkey = \"k\"\n");
  EXPECT_NE(e.find("more than one source"), std::string::npos) << e;
  e = error_of("[sieve.lists.\"urn:example:a\"]\nredis = \"redis://h/0\"\n");
  EXPECT_NE(e.find("needs key"), std::string::npos) << e;
  e = error_of("[sieve.lists.\"urn:example:a\"]\nkey = \"k\"\n");
  EXPECT_NE(e.find("only for redis"), std::string::npos) << e;
  e = error_of("[sieve.lists.\"urn:example:a\"]\npath = \"/a\"\n");
  EXPECT_EQ(e.rfind("z.toml:2:", 0), 0u) << e;
  EXPECT_NE(e.find("unknown field 'path'"), std::string::npos) << e;
  e = error_of("[sieve.lists.\"urn:example:a\"]\nfile = 3\n");
  EXPECT_NE(e.find("non-empty string"), std::string::npos) << e;
  e = error_of("[sieve.lists.\"urn:example:a\"]\nredis = \"http://h\"\nkey = \"k\"\n");
  EXPECT_NE(e.find("urn:example:a"), std::string::npos) << e;
  e = error_of("[sieve.lists.\"URN:example:a\"]\n[sieve.lists.\"urn:EXAMPLE:a\"]\n");
  EXPECT_NE(e.find("defined twice"), std::string::npos) << e;
  e = error_of("[sieve]\nlists = 3\n");
  EXPECT_NE(e.find("table of lists"), std::string::npos) << e;
}

}  // namespace
}  // namespace zest::config

namespace zest::config {
namespace {

// Issue 17.6: Pigeonhole's sieve_extensions "+ext -ext" form.
TEST(EngineConfig, SieveExtensionsInPigeonholeForm) {
  auto s = parse_engine_settings("[sieve]\nsieve_extensions = \"-vacation -fileinto\"\n", "z.toml");
  ASSERT_TRUE(s) << s.error();
  EXPECT_FALSE(s->extension_enabled("vacation"));
  EXPECT_FALSE(s->extension_enabled("fileinto"));
  EXPECT_TRUE(s->extension_enabled("envelope"));
  s = parse_engine_settings(
      "[sieve]\nextensions = [\"fileinto\"]\nsieve_extensions = \"+envelope -fileinto\"\n",
      "z.toml");
  ASSERT_TRUE(s) << s.error();
  EXPECT_TRUE(s->extension_enabled("envelope"));
  EXPECT_FALSE(s->extension_enabled("fileinto"));
  EXPECT_FALSE(s->extension_enabled("vacation"));
  s = parse_engine_settings("[sieve]\nsieve_extensions = \"fileinto envelope\"\n", "z.toml");
  ASSERT_TRUE(s) << s.error();
  EXPECT_TRUE(s->extension_enabled("fileinto"));
  EXPECT_FALSE(s->extension_enabled("vacation"));
  const auto bad = parse_engine_settings("[sieve]\nsieve_extensions = \"+nosuch\"\n", "z.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("z.toml:2:"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("nosuch"), std::string::npos) << bad.error();
  EXPECT_FALSE(parse_engine_settings("[sieve]\nsieve_extensions = [\"x\"]\n", "z.toml"));
}

}  // namespace
}  // namespace zest::config
