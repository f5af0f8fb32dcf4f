// Accept-Encoding negotiation and the reusable gzip encoder.
#include "daemon/export/content_encoding.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace ccmon::web {
namespace {

struct NegotiationCase {
  const char* accept_encoding;
  bool gzip;
};

TEST(PrefersGzip, FollowsTheQValuesOfRfc9110) {
  const NegotiationCase cases[] = {
      {"", false},
      {"gzip", true},
      {"GZip", true},
      {"x-gzip", true},
      {"gzip, deflate", true},
      {"deflate, gzip;q=1.0, *;q=0.5", true},
      {"gzip;q=0", false},
      {"gzip;q=0.0", false},
      {"gzip;q=0.000", false},
      {"gzip ; q=0", false},
      {"gzip;Q=0", false},
      {"gzip;q=0.001", true},
      {"gzip;q=0.5", true},  // Identity not named: gzip is still what the client prefers.
      {"gzip;q=0.5, identity", false},
      {"gzip;q=0.5, identity;q=0.5", true},  // A tie goes to the smaller answer.
      {"identity;q=0.9, gzip", true},
      {"identity", false},
      {"deflate, br", false},
      {"*", true},
      {"*;q=0", false},
      {"*, gzip;q=0", false},  // Named beats the wildcard.
      {"gzip;q=0, *", false},
      {"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
      {"gzip;q=2", false},    // Out of range: malformed, counts as 0.
      {"gzip;q=abc", false},  // Malformed.
      {"gzip;q=0.1234", false},
      {"gzip;q=", false},
      {"gzip;level=9", true},  // Other parameters are ignored.
      {" ,gzip,, ", true},
      {",,,", false},
      {"gzip;q=0, gzip;q=1", true},  // Listed twice: the more generous weight wins.
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PrefersGzip(c.accept_encoding), c.gzip) << "Accept-Encoding: " << c.accept_encoding;
  }
}

std::string Gunzip(const std::string& compressed) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(compressed.size() * 20 + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(GzipEncoder, RoundTripsEmptySmallAndLargeInputsReusingItsState) {
  GzipEncoder encoder;
  std::string compressed;
  std::string large;
  std::mt19937 rng(42);
  for (int i = 0; i < 50'000; ++i) {
    large += "callcenter_offered_total{queue=\"q" + std::to_string(rng() % 500) + "\"} " +
             std::to_string(rng() % 100000) + "\n";
  }
  for (const std::string& input : {std::string(), std::string("x"), large, std::string("again")}) {
    ASSERT_TRUE(encoder.Compress(input, &compressed).ok());
    ASSERT_GE(compressed.size(), 18u);  // gzip header and trailer at least.
    EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8b);
    EXPECT_EQ(Gunzip(compressed), input);
  }
  ASSERT_TRUE(encoder.Compress(large, &compressed).ok());
  EXPECT_LT(compressed.size(), large.size() / 3) << "metric text should compress well";
}

TEST(GzipEncoder, IncompressibleInputStillRoundTrips) {
  std::string noise(200'000, '\0');
  std::mt19937 rng(7);
  for (char& c : noise) c = static_cast<char>(rng());
  GzipEncoder encoder(9);
  std::string compressed;
  ASSERT_TRUE(encoder.Compress(noise, &compressed).ok());
  EXPECT_EQ(Gunzip(compressed), noise);
}

}  // namespace
}  // namespace ccmon::web
