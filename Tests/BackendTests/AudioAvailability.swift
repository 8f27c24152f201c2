// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation

/// Whether the real-audio tests can run: always under `scripts/test` (which starts a private
/// PulseAudio daemon and sets `LOOPBENCH_TEST_AUDIO=1`), otherwise only when a PulseAudio
/// server named by `PULSE_SERVER` answers.
enum AudioFixture {
    static let required = ProcessInfo.processInfo.environment["LOOPBENCH_TEST_AUDIO"] == "1"
}
