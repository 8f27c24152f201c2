// SPDX-License-Identifier: GPL-2.0-or-later

/// A backend that can play without recording, for `signal --play`: a probe or a steady tone to
/// listen to while someone adjusts a mixer.
public protocol AudioPlayback: Sendable {
    /// The rate and channel count the blocks must have.
    var sampleRate: Int { get }
    var channels: Int { get }
    /// Plays the interleaved blocks `next` returns until it returns nil, then lets what was
    /// queued play out. Blocking. Returns the frames played.
    func play(_ next: () -> [Float]?) throws(LoopbenchError) -> Int
}
