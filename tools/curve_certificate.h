// CURVE key pairs for ZeroMQ (the encryption of DESIGN §6) and the files that hold them.
//
// Keys are Z85 text of 40 characters (32 bytes), as zmq_curve_keypair makes them. A pair is kept
// in two files in the ZeroMQ certificate format that CZMQ's zcert writes (ZPL: a `metadata`
// section and a `curve` section of `name = "value"` lines, four-space indented):
//
//   NAME.key  (mode 0600) the secret certificate: curve/public-key and curve/secret-key
//   NAME.pub  (mode 0644) the public certificate: curve/public-key only
//
//   #   ****  Generated on 2026-11-25T08:00:00Z by ccmon keygen  ****
//   #   ZeroMQ CURVE **Secret** Certificate
//   #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.
//
//   metadata
//   curve
//       public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
//       secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
//
// Used by `ccmon keygen` (writing) and by whoever loads keys (reading; the CURVE support of the
// daemon and bridges). Pure functions plus file I/O; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ccmon::tools {

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters.
  std::string secret_key;  // Z85, 40 characters; empty in a public certificate.
};

// A fresh key pair. Unavailable when this libzmq was built without CURVE.
Result<CurveKeyPair> GenerateCurveKeyPair();

// True when `key` is 40 characters of the Z85 alphabet that decode to 32 bytes.
bool IsZ85Key(std::string_view key);

// The public key belonging to a Z85 secret key (zmq_curve_public). InvalidArgument when the
// secret is not a Z85 key.
Result<std::string> CurvePublicKeyOf(std::string_view secret_key);

// The text of the secret certificate (both keys) or, with an empty secret key, of the public one.
// `generated_at` goes into the header comment.
std::string FormatCurveCertificate(const CurveKeyPair& keys, std::string_view generated_at);

// Parses a certificate: the keys of its `curve` section (comments, blank lines, `metadata` and
// other sections are skipped). InvalidArgument: no public-key, a key that is not Z85, or a
// secret key whose public key is not the public-key given. `origin` prefixes messages.
Result<CurveKeyPair> ParseCurveCertificate(std::string_view text, std::string_view origin);

// Writes NAME.key (0600, created exclusively unless `overwrite`) and NAME.pub (0644) in `dir`.
// InvalidArgument when a file is already there and !overwrite (nothing is written then);
// IoError when writing fails.
Status WriteCurveCertificates(const std::string& dir, const std::string& name,
                              const CurveKeyPair& keys, std::string_view generated_at,
                              bool overwrite);

}  // namespace ccmon::tools
