// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore
import Sweep

/// Writers for a sweep's report files, and the regression gate.
public enum Reports {}
