// `ccmon keygen`: makes a ZeroMQ CURVE key pair (zmq_curve_keypair, Z85) for the encrypted event
// bus. Without --out-dir it prints both keys on stdout, as the two `name = "value"` lines of the
// certificate format; with --out-dir it writes NAME.key (secret certificate, mode 0600) and
// NAME.pub (public certificate) there, in the format of curve_certificate.h, and prints the
// public key.
//
//   ccmon keygen
//   ccmon keygen --out-dir /etc/ccmon/keys --name bridge-pbx1
//
// Used by tools/main.cc only. Runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

namespace ccmon::tools {

struct KeygenOptions {
  std::string out_dir;         // --out-dir: "" = print the keys.
  std::string name = "ccmon";  // --name: file name stem ([A-Za-z0-9._-], not starting with '.').
  bool force = false;          // --force: replace existing files.
};

// Adds the `keygen` subcommand to `app`; parsed values land in *options, which must outlive the
// parse. Returns the subcommand.
CLI::App* AddKeygenCommand(CLI::App& app, KeygenOptions* options);

// Returns the exit code: 0 done, 1 key generation or writing failed, 2 bad options or a file
// already there without --force.
int RunKeygen(const KeygenOptions& options, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace ccmon::tools
