'use strict';

// Each function's zip, finished in one pass after serverless-python-requirements injected the
// requirements (this plugin is listed after it):
//
// 1. Paths for a few functions only. Every zip gets the same `src/shop/**` and requirements, but
//    `custom.functionPackages` maps a zip path prefix to the functions that keep it (the module
//    that imports `stripe`: the payment functions, which alone get the library, in the `stripe`
//    layer); every other function's zip loses that prefix, so it neither carries nor loads it. (A
//    large library only some functions need is a layer instead: pruning it here would still
//    compress it into every zip first.)
// 2. Bytecode. Lambda unzips a function into /var/task, which is read-only: CPython cannot write
//    the __pycache__ it would make, so without bytecode in the zip every cold start compiles every
//    module it imports. The union of the zips' sources is compiled once with the runtime's own
//    interpreter (SLS_LAMBDA_PYTHON, CPython of provider.runtime's version, which the Makefile
//    finds as LAMBDA_PYTHON), `--invalidation-mode unchecked-hash`: CPython uses the .pyc without
//    comparing it with the source's mtime (a zip keeps it only to two seconds) or hashing the
//    source; a function's code never changes after its upload, and each package compiles afresh.
//    The sources stay for tracebacks, which name /var/task/... as on Lambda (compileall -d).
//    docs/BENCHMARKS.md, "Issue 33".
//
// Each .pyc is compressed once, not once per zip: they are deflated together into one zip,
// whose entries (already compressed) go into every function's zip, and JSZip writes an entry
// that is already deflated as it is. Every entry has the same date (as the Framework's and the
// requirements' own entries), so the same code makes the same zip, and a deploy uploads no
// function whose code did not change.
//
// And the Framework lists the service folder's files once per function (`**` from the service
// folder, following links: .venv, node_modules, .cache and all), to select the same patterns
// each time. The functions declare no patterns of their own, so the lists are the same: each
// distinct selection is listed once.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const JSZip = require('jszip');

// The options of serverless-python-requirements' own writeZip.
const ZIP_OPTIONS = { type: 'nodebuffer', platform: 'UNIX', compression: 'DEFLATE', compressionOptions: { level: 9 } };
// The date of every entry the Framework and serverless-python-requirements write.
const ENTRY_DATE = new Date(0);

class FunctionZipsPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.listFilesOnce(),
      // Runs after serverless-python-requirements' hook on the same event (listed before this one).
      'after:package:createDeploymentArtifacts': () => this.finish(),
    };
  }

  error(message) {
    return new this.serverless.classes.Error(`function-zips: ${message}`);
  }

  listFilesOnce() {
    const packager = this.serverless.pluginManager.plugins.find(
      (plugin) => typeof plugin.resolveFilePathsFromPatterns === 'function',
    );
    if (!packager) throw this.error("the Framework's Package plugin has no resolveFilePathsFromPatterns");
    const resolve = packager.resolveFilePathsFromPatterns;
    const lists = new Map();
    packager.resolveFilePathsFromPatterns = function listOnce(params, prefix) {
      const key = JSON.stringify([
        prefix || '',
        params.exclude,
        params.include,
        [...(params.devDependencyExcludeSet || [])].sort(),
      ]);
      if (!lists.has(key)) lists.set(key, resolve.call(this, params, prefix));
      return lists.get(key).then((files) => files.slice());
    };
  }

  async finish() {
    const service = this.serverless.service;
    const keep = (service.custom || {}).functionPackages || {};
    const functions = service.getAllFunctions();
    for (const [prefix, owners] of Object.entries(keep)) {
      const unknown = owners.filter((name) => !functions.includes(name));
      if (unknown.length) throw this.error(`${prefix} names unknown functions ${unknown}`);
    }
    const python = this.python();
    const zips = {};
    const contents = {};
    for (const name of functions) {
      const artifact = (service.getFunction(name).package || {}).artifact;
      if (!artifact) continue;
      const file = path.resolve(this.serverless.serviceDir, artifact);
      const zip = await JSZip.loadAsync(fs.readFileSync(file));
      const drop = Object.keys(keep).filter((prefix) => !keep[prefix].includes(name));
      Object.keys(zip.files)
        .filter((entry) => drop.some((prefix) => entry.startsWith(prefix)))
        .forEach((entry) => zip.remove(entry));
      const sources = Object.keys(zip.files).filter((entry) => entry.endsWith('.py') && !zip.files[entry].dir);
      for (const entry of sources) {
        const data = await zip.files[entry].async('nodebuffer');
        if (entry in contents && !contents[entry].equals(data)) throw this.error(`${entry} differs between two zips`);
        contents[entry] = data;
      }
      zips[name] = { file, zip, sources };
    }
    const compiled = await this.compile(python, contents);
    for (const [name, { file, zip, sources }] of Object.entries(zips)) {
      for (const entry of sources) {
        const pyc = this.pycPath(python, entry);
        if (!compiled.files[pyc]) throw this.error(`${entry} in ${name}.zip did not compile`);
        // createFolders: false: no directory entries of its own (the zips have none, the artifact test checks).
        zip.file(pyc, compiled.files[pyc]._data, { date: ENTRY_DATE, unixPermissions: 0o644, createFolders: false });
      }
      fs.writeFileSync(file, await zip.generateAsync(ZIP_OPTIONS));
    }
  }

  // Every source compiled once; the .pyc deflated once, into one zip, read back: its entries
  // hold their compressed bytes.
  async compile(python, contents) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bytecode-'));
    try {
      for (const [entry, data] of Object.entries(contents)) {
        const target = path.join(work, entry);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, data);
      }
      // -I: nothing from the environment or the user's site; -q: errors only; -j 0: every core.
      execFileSync(python, ['-I', '-m', 'compileall', '-q', '-j', '0', '--invalidation-mode', 'unchecked-hash', '-d', '/var/task', work], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const bundle = new JSZip();
      for (const entry of Object.keys(contents)) {
        const pyc = this.pycPath(python, entry);
        const local = path.join(work, pyc);
        if (fs.existsSync(local)) bundle.file(pyc, fs.readFileSync(local), { date: ENTRY_DATE, createFolders: false });
      }
      return JSZip.loadAsync(await bundle.generateAsync(ZIP_OPTIONS));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  pycPath(python, entry) {
    const dir = path.posix.dirname(entry);
    return path.posix.join(dir, '__pycache__', `${path.posix.basename(entry, '.py')}.${this.tag(python)}.pyc`);
  }

  python() {
    const runtime = this.serverless.service.provider.runtime || '';
    const wanted = runtime.replace(/^python/, '');
    const python = process.env.SLS_LAMBDA_PYTHON;
    const fail = (why) => {
      throw this.error(`${why}; set SLS_LAMBDA_PYTHON to CPython ${wanted} (make package does)`);
    };
    if (!/^3\.\d+$/.test(wanted)) fail(`unknown runtime ${runtime}`);
    if (!python) fail('SLS_LAMBDA_PYTHON is not set');
    const version = execFileSync(python, ['-I', '-c', 'import sys; print("%d.%d %s" % (sys.version_info[:2] + (sys.implementation.name,)))'])
      .toString()
      .trim();
    if (version !== `${wanted} cpython`) fail(`${python} is ${version}, not CPython ${wanted}`);
    return python;
  }

  tag(python) {
    if (!this.cacheTag) {
      this.cacheTag = execFileSync(python, ['-I', '-c', 'import sys; print(sys.implementation.cache_tag)']).toString().trim();
    }
    return this.cacheTag;
  }
}

module.exports = FunctionZipsPlugin;
