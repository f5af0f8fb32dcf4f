#include "tools/keygen_command.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "tools/curve_certificate.h"
#include "tools/envelope_text.h"

namespace ccmon::tools {

namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

CLI::App* AddKeygenCommand(CLI::App& app, KeygenOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "keygen", "Make a CURVE key pair (Z85): print it, or write NAME.key (0600) and NAME.pub");
  auto* dir =
      cmd->add_option("--out-dir", o->out_dir, "Write NAME.key and NAME.pub into this directory");
  cmd->add_option("--name", o->name, "File name stem of the key files")
      ->capture_default_str()
      ->needs(dir);
  cmd->add_flag("--force", o->force, "Replace existing key files")->needs(dir);
  return cmd;
}

int RunKeygen(const KeygenOptions& options, std::FILE* out, std::FILE* err) {
  if (!options.out_dir.empty() && !ValidName(options.name)) {
    std::fprintf(err,
                 "ccmon keygen: --name \"%s\": use letters, digits, '.', '_' and '-' only, not "
                 "starting with '.'\n",
                 options.name.c_str());
    return 2;
  }
  Result<CurveKeyPair> keys = GenerateCurveKeyPair();
  if (!keys.ok()) {
    std::fprintf(err, "ccmon keygen: %s\n", keys.status().message().c_str());
    return 1;
  }
  if (options.out_dir.empty()) {
    std::fputs(fmt::format("public-key = \"{}\"\nsecret-key = \"{}\"\n", keys->public_key,
                           keys->secret_key)
                   .c_str(),
               out);
    return 0;
  }
  const WallClock clock;
  std::string now = FormatIsoUtcMs(clock.NowMs());
  now = now.substr(0, 19) + "Z";  // Whole seconds, as zcert writes them.
  if (Status s = WriteCurveCertificates(options.out_dir, options.name, *keys, now, options.force);
      !s.ok()) {
    std::fprintf(err, "ccmon keygen: %s\n", s.message().c_str());
    return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::fputs(fmt::format("ccmon keygen: wrote {0}/{1}.key (secret, mode 0600) and {0}/{1}.pub\n"
                         "public-key = \"{2}\"\n",
                         options.out_dir, options.name, keys->public_key)
                 .c_str(),
             out);
  return 0;
}

}  // namespace ccmon::tools
