// `ccmon keygen`: the built binary makes valid CURVE key pairs (40 characters of Z85, the public
// key derived from the secret by zmq_curve_public), writes the secret certificate 0600 and never
// overwrites without --force; the certificate parser reads back what it wrote and refuses
// mismatched or malformed keys.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/testing/process.h"
#include "tools/curve_certificate.h"

namespace ccmon::tools {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string output;
};

CliRun RunCcmon(const std::string& args) {
  const std::string command = testing::BinaryPath("ccmon") + " " + args + " 2>&1";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) run.output += buffer.data();
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string DerivedPublic(const std::string& secret) {
  std::array<char, 41> pub{};
  if (zmq_curve_public(pub.data(), secret.c_str()) != 0) return "";
  return pub.data();
}

class KeygenCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ccmon-keygen-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(KeygenCli, PrintsAValidKeyPairWhoseSecretDerivesThePublicKey) {
  const CliRun r = RunCcmon("keygen");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m,
                                std::regex("public-key = \"(.{40})\"\nsecret-key = \"(.{40})\"\n")))
      << r.output;
  const std::string pub = m[1], secret = m[2];
  EXPECT_TRUE(IsZ85Key(pub));
  EXPECT_TRUE(IsZ85Key(secret));
  EXPECT_EQ(DerivedPublic(secret), pub);
  EXPECT_NE(RunCcmon("keygen").output, r.output) << "every run makes a new pair";
}

TEST_F(KeygenCli, WritesTheSecretCertificateOwnerOnlyAndThePublicOne) {
  const CliRun r = RunCcmon("keygen --out-dir " + dir_.string() + " --name bridge-1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path key = dir_ / "bridge-1.key", pub = dir_ / "bridge-1.pub";
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(pub.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  const std::string key_text = ReadFile(key), pub_text = ReadFile(pub);
  EXPECT_NE(key_text.find("\nmetadata\ncurve\n    public-key = \""), std::string::npos) << key_text;
  Result<CurveKeyPair> secret = ParseCurveCertificate(key_text, "bridge-1.key");
  ASSERT_TRUE(secret.ok()) << secret.status().message();
  EXPECT_EQ(DerivedPublic(secret->secret_key), secret->public_key);
  Result<CurveKeyPair> only_public = ParseCurveCertificate(pub_text, "bridge-1.pub");
  ASSERT_TRUE(only_public.ok()) << only_public.status().message();
  EXPECT_EQ(only_public->public_key, secret->public_key);
  EXPECT_TRUE(only_public->secret_key.empty());
  EXPECT_EQ(pub_text.find("secret-key"), std::string::npos);
  EXPECT_NE(r.output.find(secret->public_key), std::string::npos) << "prints the public key";
}

TEST_F(KeygenCli, RefusesToOverwriteWithoutForce) {
  ASSERT_EQ(RunCcmon("keygen --out-dir " + dir_.string()).exit_code, 0);
  const std::string before = ReadFile(dir_ / "ccmon.key");
  const CliRun again = RunCcmon("keygen --out-dir " + dir_.string());
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("already exists"), std::string::npos) << again.output;
  EXPECT_EQ(ReadFile(dir_ / "ccmon.key"), before);
  const CliRun forced = RunCcmon("keygen --force --out-dir " + dir_.string());
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(ReadFile(dir_ / "ccmon.key"), before);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "ccmon.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(KeygenCli, RejectsANameThatWouldLeaveTheDirectory) {
  const CliRun r = RunCcmon("keygen --out-dir " + dir_.string() + " --name ../evil");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_FALSE(fs::exists(dir_.parent_path() / "evil.key"));
}

TEST(CurveCertificate, RejectsASecretKeyOfAnotherPair) {
  Result<CurveKeyPair> a = GenerateCurveKeyPair();
  Result<CurveKeyPair> b = GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string text = FormatCurveCertificate({a->public_key, b->secret_key}, "now");
  Result<CurveKeyPair> parsed = ParseCurveCertificate(text, "mixed.key");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("does not belong"), std::string::npos);
}

TEST(CurveCertificate, RejectsMalformedKeysAndMissingPublicKey) {
  EXPECT_FALSE(ParseCurveCertificate("curve\n    public-key = \"short\"\n", "x").ok());
  EXPECT_FALSE(ParseCurveCertificate("metadata\n", "x").ok());
  EXPECT_FALSE(IsZ85Key(std::string(40, ' ')));
  EXPECT_FALSE(IsZ85Key(std::string(39, 'a')));
}

}  // namespace
}  // namespace ccmon::tools
