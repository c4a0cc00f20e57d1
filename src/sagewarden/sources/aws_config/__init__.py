"""AWS Config's API as a source: an aggregator (`scan --config-aggregator`) or one
account's own recorder (`scan --config-recorder`), read in the caller's account only.

api names the calls of each mode, convert turns an API item into the shape Config
delivers to S3, recording checks what a recorder records, and reader drives the reads
and hands every item to the same ConfigReader that reads Config files, so the verdicts
are those of a snapshot holding the same items.
"""
