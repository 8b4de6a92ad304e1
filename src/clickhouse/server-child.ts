/**
 * The process that serves a data directory as a real ClickHouse server (started by local-server.ts, never by
 * hand). The engine chDB ships is called with clickhouse-local's command line; its listeners serve while that
 * call runs, and the call's last statement reads a FIFO (the lifeline) to its end. The parent holds the FIFO's
 * only writer, so the server lives exactly as long as its parent: when the parent exits, however it exits, the
 * writer closes, the statement ends and this process returns. (Not standard input: Node gives a child a socket
 * there, and the engine cannot open a socket as a file.)
 *
 * Why a separate process and ffi-rs: the in-process binding cannot start listeners, and the call blocks the
 * thread it runs on. koffi runs calls on its own stack, which the engine's stack check refuses.
 *
 * argv: <dataDir> <lifelineFifo> <listenHost> <httpPort> <tcpPort> [configFile]
 */
import { createRequire } from 'node:module';
import ffi from 'ffi-rs';

const require = createRequire(import.meta.url);
const [dataDir, lifeline, host, httpPort, tcpPort, configFile] = process.argv.slice(2);
if (!dataDir || !lifeline || !host || !httpPort || !tcpPort || /'|\\/.test(lifeline)) {
  process.stderr.write('server-child: usage: <dataDir> <lifelineFifo> <listenHost> <httpPort> <tcpPort> [configFile]\n');
  process.exit(2);
}

const library = require.resolve('@chdb/lib-linux-x64-gnu/libchdb.so');
ffi.open({ library: 'chdb', path: library });
const argv = [
  'clickhouse',
  `--path=${dataDir}`,
  ...(configFile ? [`--config-file=${configFile}`] : []),
  `--listen_host=${host}`,
  `--http_port=${httpPort}`,
  `--tcp_port=${tcpPort}`,
  '--query',
  // The lifeline's path is a temporary directory of ours, checked above to hold no quote or backslash.
  `SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; SELECT count() FROM file('${lifeline}', LineAsString) FORMAT Null`,
];
// The return value is not a status (it differs from build to build); errors are printed on stderr by the
// engine, and the parent tells an expected end (it closed the pipe) from a failure.
ffi.load({
  library: 'chdb',
  funcName: 'chdb_query_cmdline',
  retType: ffi.DataType.I32,
  paramsType: [ffi.DataType.I32, ffi.DataType.StringArray],
  paramsValue: [argv.length, argv],
});
process.exit(0);
