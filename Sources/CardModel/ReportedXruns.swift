// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

extension ModelRun {
    /// Every artifact in the model's log as the backend reports it: what and where, placed at
    /// the capture frame the guest was recording when it happened (capture frame q is guest
    /// capture-stream frame `prefill + q`, recorded at about `(prefill + q) / rate`). Its
    /// audible effect lands from that frame to one round trip later (the audio it hit was still
    /// on its way to the guest).
    ///
    /// `beforeProbe` marks the pre-roll's: an artifact that touched only guest-stream frames
    /// before the probe's first (the prefill's silence), or, where the log does not say which
    /// frames it touched, one that happened before the guest started the probe.
    func placedArtifacts() -> [(xrun: ReportedXrun, beforeProbe: Bool)] {
        log.artifacts.map { a in
            let frame = Int((Double(a.timeNs) * Double(guestRate) / 1e9).rounded()) - prefillFrames
            let before = a.lastGuestFrame >= 0 ? a.lastGuestFrame < Int64(prefillFrames) : frame < 0
            return (ReportedXrun(what: "\(a.place.rawValue) \(a.kind.rawValue)", captureFrame: frame, frames: a.frames), before)
        }
    }
}
