// extprograms: how delivery runs the programs of vnd.dovecot.pipe, filter
// and execute (delivery/ext_programs.cpp over base/subprocess.cpp) - only
// from the configured directory, with a time limit that kills the process
// group, an output limit, input to programs that do not read it, and exit
// statuses. Real programs (/bin/sh scripts) in a temporary directory.
#include "delivery/ext_programs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "base/subprocess.hpp"

namespace zest::delivery {
namespace {

namespace fs = std::filesystem;
using interp::ProgramCall;
using interp::ProgramKind;
using Status = interp::ProgramResult::Status;

class ExtProgramsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() /
           ("zest-extprog-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    fs::create_directories(root / "bin");
    settings.values["execute_bin_dir"] = (root / "bin").string();
    settings.values["filter_bin_dir"] = (root / "bin").string();
    settings.values["pipe_bin_dir"] = (root / "bin").string();
  }
  void TearDown() override { fs::remove_all(root); }
  void program(const std::string& name, const std::string& body, const fs::path& dir = {}) {
    const fs::path p = (dir.empty() ? root / "bin" : dir) / name;
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    ::chmod(p.c_str(), 0755);
  }
  interp::ProgramResult run(ProgramKind kind, const std::string& name,
                            std::optional<std::string> input = std::nullopt,
                            std::vector<std::string> args = {}) {
    ProgramCall call;
    call.kind = kind;
    call.name = name;
    call.args = std::move(args);
    call.input = std::move(input);
    call.want_output = kind != ProgramKind::Pipe;
    call.envelope = &envelope;
    return run_ext_program(settings, {"alice", "/home/alice", "mx.example.org"}, call,
                           [this](std::string_view l) { log.emplace_back(l); });
  }
  fs::path root;
  interp::EngineSettings settings;
  interp::Envelope envelope{"sender@example.net", "alice@example.org", "all@example.org", ""};
  std::vector<std::string> log;
};

TEST_F(ExtProgramsTest, RunsWithArgumentsInputAndPigeonholesEnvironment) {
  program("show",
          "printf '%s|%s|' \"$1\" \"$2\"; cat; printf '|%s|%s|%s|%s|%s|%s' \"$USER\" "
          "\"$HOME\" \"$HOST\" \"$SENDER\" \"$RECIPIENT\" \"$ORIG_RECIPIENT\"");
  const auto r = run(ProgramKind::Execute, "show", "in\n", {"a b", "c"});
  ASSERT_EQ(r.status, Status::Ok) << r.detail;
  EXPECT_EQ(r.output,
            "a b|c|in\r\n|alice|/home/alice|mx.example.org|sender@example.net|alice@example.org|"
            "all@example.org");
}

TEST_F(ExtProgramsTest, InputEolLf) {
  settings.values["execute_input_eol"] = "lf";
  program("od", "od -c | head -1");
  const auto r = run(ProgramKind::Execute, "od", "a\r\nb\r\n");
  ASSERT_EQ(r.status, Status::Ok) << r.detail;
  EXPECT_EQ(r.output.find("\\r"), std::string::npos) << r.output;
}

TEST_F(ExtProgramsTest, TimeoutKillsTheProcessGroup) {
  settings.values["execute_exec_timeout"] = "1s";
  // The child of the shell would keep running if only the shell were killed.
  program("slow", "sleep 300 & wait");
  const auto r = run(ProgramKind::Execute, "slow");
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.detail.find("timed out after 1 s"), std::string::npos) << r.detail;
}

TEST_F(ExtProgramsTest, ProgramOutsideTheDirectoryIsNotRun) {
  const fs::path outside = root / "elsewhere";
  fs::create_directories(outside);
  program("evil", "echo ran", outside);
  for (const std::string& name :
       std::vector<std::string>{"../elsewhere/evil", (outside / "evil").string(), "..", "."}) {
    const auto r = run(ProgramKind::Execute, name);
    EXPECT_EQ(r.status, Status::NotFound) << name;
    EXPECT_TRUE(r.output.empty());
  }
  // A name that exists nowhere.
  EXPECT_EQ(run(ProgramKind::Execute, "evil").status, Status::NotFound);
  // No directory configured: nothing runs.
  settings.values.erase("execute_bin_dir");
  program("ok", "echo ran");
  const auto r = run(ProgramKind::Execute, "ok");
  EXPECT_EQ(r.status, Status::NotFound);
  EXPECT_NE(r.detail.find("execute_bin_dir"), std::string::npos);
}

TEST_F(ExtProgramsTest, WorldWritableProgramIsRefused) {
  program("open", "echo ran");
  ::chmod((root / "bin" / "open").c_str(), 0777);
  const auto r = run(ProgramKind::Execute, "open");
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.detail.find("world-writable"), std::string::npos);
}

TEST_F(ExtProgramsTest, ProgramThatDoesNotReadItsInput) {
  // 4 MiB is far more than a pipe buffer: writing it all would block
  // forever on a program that never reads, were the pipes not polled.
  const std::string big(4 << 20, 'x');
  program("deaf", "exit 0");
  auto r = run(ProgramKind::Pipe, "deaf", big);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.detail.find("did not read all of its input"), std::string::npos) << r.detail;
  // One that writes a lot without reading, while we write: no deadlock.
  program("chatty", "head -c 3000000 /dev/zero");
  r = run(ProgramKind::Execute, "chatty", big);
  EXPECT_EQ(r.status, Status::Failed);  // it did not read its input
  // One that neither reads nor ends: the time limit ends it.
  settings.values["pipe_exec_timeout"] = "1";
  program("stuck", "sleep 300");
  r = run(ProgramKind::Pipe, "stuck", big);
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.detail.find("timed out"), std::string::npos) << r.detail;
}

TEST_F(ExtProgramsTest, OutputBeyondTheLimit) {
  settings.values["execute_max_output"] = "1k";
  program("big", "head -c 5000 /dev/zero; sleep 300");
  const auto r = run(ProgramKind::Execute, "big");
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.detail.find("execute_max_output (1024 bytes"), std::string::npos) << r.detail;
  EXPECT_TRUE(r.output.empty());
  program("fits", "head -c 1024 /dev/zero");
  EXPECT_EQ(run(ProgramKind::Execute, "fits").output.size(), 1024u);
}

TEST_F(ExtProgramsTest, NonZeroExitIsAFalseResult) {
  program("no", "cat >/dev/null; echo 'why not' >&2; exit 3");
  const auto r = run(ProgramKind::Filter, "no", "Subject: x\n\nbody\n");
  EXPECT_EQ(r.status, Status::False);
  EXPECT_EQ(r.detail, "exit status 3");
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.front().find("stderr: why not"), std::string::npos) << log.front();
}

TEST_F(ExtProgramsTest, FilterOutputGetsLfLineEnds) {
  program("crlf", "cat >/dev/null; printf 'Subject: new\\r\\n\\r\\nbody\\r\\n'");
  const auto r = run(ProgramKind::Filter, "crlf", "Subject: old\n\nx\n");
  ASSERT_EQ(r.status, Status::Ok) << r.detail;
  EXPECT_EQ(r.output, "Subject: new\n\nbody\n");
}

TEST_F(ExtProgramsTest, BadSettingIsAnError) {
  settings.values["execute_exec_timeout"] = "soon";
  program("ok", "true");
  const auto r = run(ProgramKind::Execute, "ok");
  EXPECT_EQ(r.status, Status::Failed);
  EXPECT_NE(r.detail.find("execute_exec_timeout"), std::string::npos);
}

TEST(Subprocess, NotExecutableIsASpawnFailure) {
  base::ProcessSpec spec;
  spec.path = "/dev/null";
  const auto r = base::run_process(spec);
  EXPECT_EQ(r.end, base::ProcessResult::End::SpawnFailed);
  EXPECT_FALSE(r.spawn_error.empty());
}

}  // namespace
}  // namespace zest::delivery
