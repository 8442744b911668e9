/// The first byte of every record body. A tag names one record kind in one layout: a layout that
/// changes gets a new tag, and old tags stay readable, so a tag this build does not know means a
/// newer writer and is reported as such, never skipped.
enum RecordTag: UInt8 {
    /// Binds a meter name to the next index in this file; events then carry the index (1 byte)
    /// instead of the name (up to 33 bytes): a checkpoint must stay small (SD-card wear budget).
    case meterName = 0x01
    case started = 0x02
    /// Read only: the layout before payment watermarks.
    case snapshotV1 = 0x03
    /// Binds a boot id (16 bytes) for the stamped counter events after it in this file, which then
    /// carry only their boot-clock ms: a checkpoint must stay small.
    case bootID = 0x04
    /// `snapshotV1` and each account's counter boot stamp.
    case snapshotV2 = 0x05
    /// `snapshotV2` and each account's payment watermark (address and checkpoint).
    case snapshotV3 = 0x06

    case paymentCredited = 0x10
    case manualCredit = 0x11
    case counterCheckpoint = 0x12
    case counterRebaselined = 0x13
    case counterJumpRejected = 0x14
    case tariffChanged = 0x15
    case emergencyGranted = 0x16
    case relayOverride = 0x17
    /// Read only (journals of the release before watermarks).
    case paymentCursor = 0x18
    /// Read only, as `paymentCursor`.
    case paymentBaseline = 0x19
    /// The counter events with a boot stamp: their V1 layout, then the boot-clock ms and whether
    /// the wall clock was synchronised (the boot id is the latest `bootID` binding's).
    case counterCheckpointStamped = 0x1A
    case counterRebaselinedStamped = 0x1B
    case counterJumpRejectedStamped = 0x1C
    case paymentWatermark = 0x1D
}
