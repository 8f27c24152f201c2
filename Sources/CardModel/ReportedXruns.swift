// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

extension ModelRun {
    /// Every artifact in the model's log as the backend reports it: what and where, placed at
    /// the capture frame the guest was recording when it happened (capture frame q is guest
    /// capture-stream frame `prefill + q`, recorded at about `(prefill + q) / rate`). Its
    /// audible effect lands within one round trip of that frame: later for a playback xrun,
    /// earlier for a capture one (the audio it hit was still on its way to the guest).
    /// Negative frames are the pre-roll: the guest had not started the probe.
    func placedArtifacts() -> [ReportedXrun] {
        log.artifacts.map { a in
            let frame = Int((Double(a.timeNs) * Double(guestRate) / 1e9).rounded()) - prefillFrames
            return ReportedXrun(what: "\(a.place.rawValue) \(a.kind.rawValue)", captureFrame: frame, frames: a.frames)
        }
    }
}
