#pragma once
// The synthetic feed: threat-intelligence flavoured records with numeric features and a binary
// label, standing in for what the feed-processor writes (`retrain feed generate`).
//
// Payload schema (one JSON object per record; keys are written in sorted order):
//   confidence        integer 0..100     analyst confidence in the entity
//   severity          integer 1..10      assessed severity (higher for malware)
//   source_reputation number 0..1        reputation of the reporting source (3 decimals)
//   age_hours         number >= 0        hours since first seen (1 decimal)
//   ioc_count         integer >= 1       indicators of compromise attached
//   sighting_count    integer >= 0       sightings reported; absent in about 3% of records
//   tlp_level         integer 0..3       Traffic Light Protocol: 0 WHITE, 1 GREEN, 2 AMBER, 3 RED
//   network_degree    integer >= 1       relationships in the graph; absent in about 5% of records
//   name              string             "<entity_type>-<index, 6+ digits>" (not a feature)
//   label             integer 0 | 1      1 = the entity is a confirmed threat
//
// The label is drawn as Bernoulli(sigmoid(z)) where z is a logistic model of the standardised
// features with one interaction term, so a tree ensemble learns it well (holdout AUC around
// 0.85-0.9) but not perfectly. `drift` in [0, 1] moves both the feature distributions (lower
// confidence and reputation, older entities) and the decision boundary (z blends from the base
// weights to a different set), so a batch generated with drift 0.8 differs from one with 0.
//
// Determinism: record i is a pure function of (seed, i, drift, entity mix). Its random stream is
// SplitMix64 seeded from a hash of (seed, i), with the distributions implemented here (no
// std:: distributions, whose output differs between standard libraries). Hence generating
// {start_index 0, count 10} then {start_index 10, count 10} equals {start_index 0, count 20}.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace retrain {

struct SyntheticOptions {
  int64_t count = 100;
  uint64_t seed = 42;
  double drift = 0.0;  // 0..1
  // Each label is flipped with this probability (0..1), from a stream of its own, so the
  // features and the clean labels stay those of label_noise 0: a way to provoke a worse model.
  double label_noise = 0.0;
  int64_t start_index = 0;  // index of the first record (continues a previous batch)
  // Entity types with relative weights (need not sum to 1). Any type name is allowed; the three
  // defaults get type-specific feature distributions.
  std::vector<std::pair<std::string, double>> entity_mix = {
      {"indicator", 0.6}, {"malware", 0.25}, {"threat-actor", 0.15}};
};

struct SyntheticRecord {
  int64_t index = 0;
  std::string entity_type;
  std::string payload_json;  // the schema above
};

// The feature names of the schema, sorted (what BuildDataset yields for a synthetic window).
const std::vector<std::string>& SyntheticFeatureNames();

// Checks options before generating. Errors: kInvalidArgument (message names the option) when
// count < 0, start_index < 0, drift or label_noise is not within [0, 1], or the entity mix is
// empty, has an empty type name, or has a negative, non-finite or all-zero weight.
[[nodiscard]] Status ValidateSyntheticOptions(const SyntheticOptions& options);

// Generates `count` records with indices start_index .. start_index + count - 1. Never fails:
// callers validate first; out-of-range values are clamped (count < 0 gives no records, drift is
// clamped into [0, 1], an unusable entity mix falls back to the default mix).
std::vector<SyntheticRecord> GenerateRecords(const SyntheticOptions& options);

}  // namespace retrain
