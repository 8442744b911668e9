import Testing
@testable import Daemon

/// Who gets a meter's `watch` lines, with plain values.
@Suite struct WatchStreamsTests {
    /// Pushes one line about `meter`; returns who was sent it, in id order. `unreachable` fail.
    func push(_ watch: WatchStreams, about meter: String, unreachable: Set<ControlClientID> = []) -> [ControlClientID] {
        var sent: [ControlClientID] = []
        watch.push([0x41], about: meter) { id, line in
            #expect(line == [0x41])
            sent.append(id)
            return !unreachable.contains(id)
        }
        return sent.sorted()
    }

    @Test func aMetersLineGoesToItsWatchersAndToThoseWatchingAll() {
        let watch = WatchStreams()
        #expect(watch.isEmpty)
        watch.add(1, meter: "a")
        watch.add(2, meter: nil)
        watch.add(3, meter: "b")
        #expect(!watch.isEmpty)
        #expect(push(watch, about: "a") == [1, 2])
        #expect(push(watch, about: "b") == [2, 3])
        #expect(push(watch, about: "ab") == [2])      // names match whole, not by prefix
    }

    @Test func aClientThatEndsItsWatchOrCannotBeReachedGetsNoMore() {
        let watch = WatchStreams()
        watch.add(1, meter: "a")
        watch.add(2, meter: nil)
        watch.remove(1)
        #expect(push(watch, about: "a") == [2])
        watch.add(1, meter: "a")
        #expect(push(watch, about: "a", unreachable: [2]) == [1, 2])
        #expect(push(watch, about: "a") == [1])
        watch.remove(1)
        #expect(watch.isEmpty)
    }

    /// A second `watch` from the same client (after its first ended) replaces its meter.
    @Test func watchingAgainReplacesTheMeter() {
        let watch = WatchStreams()
        watch.add(1, meter: "a")
        watch.add(1, meter: "b")
        #expect(push(watch, about: "a").isEmpty)
        #expect(push(watch, about: "b") == [1])
    }
}
