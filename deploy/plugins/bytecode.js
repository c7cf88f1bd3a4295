'use strict';

// Lambda unzips a function into /var/task, which is read-only: CPython cannot write the
// __pycache__ it would make, so without bytecode in the zip every cold start compiles every
// module it imports (the shop's and its libraries'). This plugin compiles each function's zip
// with the runtime's own interpreter (SLS_LAMBDA_PYTHON, CPython of provider.runtime's version,
// which the Makefile finds as LAMBDA_PYTHON) and adds the .pyc files next to the sources.
// `--invalidation-mode unchecked-hash`: CPython uses them without comparing them with the
// source's mtime (which a zip keeps only to two seconds) or hashing the source; a function's
// code never changes after its upload, and each package compiles afresh. The sources stay for
// tracebacks, which name /var/task/... as on Lambda (compileall -d). docs/BENCHMARKS.md, "Issue 33".
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const JSZip = require('jszip');

class BytecodePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      // After serverless-python-requirements and function-packages.js (listed before this one).
      'after:package:createDeploymentArtifacts': () => this.compile(),
    };
  }

  python() {
    const runtime = this.serverless.service.provider.runtime || '';
    const wanted = runtime.replace(/^python/, '');
    const python = process.env.SLS_LAMBDA_PYTHON;
    const fail = (why) => {
      throw new this.serverless.classes.Error(`bytecode: ${why}; set SLS_LAMBDA_PYTHON to CPython ${wanted} (make package does)`);
    };
    if (!/^3\.\d+$/.test(wanted)) fail(`unknown runtime ${runtime}`);
    if (!python) fail('SLS_LAMBDA_PYTHON is not set');
    const version = execFileSync(python, ['-I', '-c', 'import sys; print("%d.%d %s" % (sys.version_info[:2] + (sys.implementation.name,)))'])
      .toString()
      .trim();
    if (version !== `${wanted} cpython`) fail(`${python} is ${version}, not CPython ${wanted}`);
    return python;
  }

  async compile() {
    const service = this.serverless.service;
    const python = this.python();
    const tag = this.tag(python);
    // Every zip holds the same files (src/shop and the requirements, less what function-packages
    // removed): the union is compiled once, each zip gets the .pyc of its own sources.
    const zips = {};
    const contents = {};
    for (const name of service.getAllFunctions()) {
      const artifact = (service.getFunction(name).package || {}).artifact;
      if (!artifact) continue;
      const file = path.resolve(this.serverless.serviceDir, artifact);
      const zip = await JSZip.loadAsync(fs.readFileSync(file));
      const sources = Object.keys(zip.files).filter((entry) => entry.endsWith('.py') && !zip.files[entry].dir);
      for (const entry of sources) {
        const data = await zip.files[entry].async('nodebuffer');
        if (entry in contents && !contents[entry].equals(data)) {
          throw new this.serverless.classes.Error(`bytecode: ${entry} differs between two zips`);
        }
        contents[entry] = data;
      }
      zips[name] = { file, zip, sources };
    }
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
      for (const [name, { file, zip, sources }] of Object.entries(zips)) {
        for (const entry of sources) {
          const dir = path.posix.dirname(entry);
          const compiled = path.posix.join(dir, '__pycache__', `${path.posix.basename(entry, '.py')}.${tag}.pyc`);
          const local = path.join(work, compiled);
          if (!fs.existsSync(local)) {
            throw new this.serverless.classes.Error(`bytecode: ${entry} in ${name}.zip did not compile`);
          }
          // createFolders: false: no directory entries of its own (the zips have none, the artifact test checks).
          zip.file(compiled, fs.readFileSync(local), { unixPermissions: 0o644, createFolders: false });
        }
        // The same options as serverless-python-requirements' own writeZip.
        const data = await zip.generateAsync({
          type: 'nodebuffer',
          platform: 'UNIX',
          compression: 'DEFLATE',
          compressionOptions: { level: 9 },
        });
        fs.writeFileSync(file, data);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  tag(python) {
    if (!this.cacheTag) {
      this.cacheTag = execFileSync(python, ['-I', '-c', 'import sys; print(sys.implementation.cache_tag)']).toString().trim();
    }
    return this.cacheTag;
  }
}

module.exports = BytecodePlugin;
