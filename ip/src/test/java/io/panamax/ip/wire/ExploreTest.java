package io.panamax.ip.wire;

import org.junit.jupiter.api.Test;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.*;

class ExploreTest {
    @Test
    void explore() throws Exception {
        for (Captures.Entry e : Captures.manifest()) {
            if (e.rejected()) continue;
            var frames = Captures.frames(e.file());
            Map<String, List<Integer>> m = new TreeMap<>();
            try (Arena arena = Arena.ofConfined()) {
                for (var f : frames) {
                    MemorySegment seg = arena.allocate(Math.max(1, f.data().length));
                    MemorySegment.copy(MemorySegment.ofArray(f.data()), 0, seg, 0, f.data().length);
                    String o = LayerWalk.walk(seg.asSlice(0, f.data().length), 0, f.data().length);
                    m.computeIfAbsent(o, k -> new ArrayList<>()).add(f.number());
                }
            }
            StringBuilder sb = new StringBuilder(e.file() + " (" + frames.size() + "/" + e.packets() + "):");
            m.forEach((k, v) -> sb.append(" ").append(k).append("=").append(v.size() > 6 ? v.size() + "x" : v.toString()));
            System.out.println(sb);
        }
    }
}
