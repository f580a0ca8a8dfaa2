import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { encodeFaxTiff } from '../../src/documents/fax-raster.ts';
import { pageDpi, readTiff, reverseBits, TiffCompression, TiffError } from '../../src/documents/tiff.ts';
import { FAX_DOCUMENTS, makeFaxFixture } from '../fixtures/fax-documents.ts';
import { makeTiffVariants, type TiffVariants } from '../fixtures/tiff-files.ts';

describe('readTiff', () => {
  let files: TiffVariants;
  before(async () => {
    const { page } = await makeFaxFixture(FAX_DOCUMENTS[0], { resolution: 'fine' });
    files = await makeTiffVariants(page, 'remote +1 217 555 0143');
  });

  it('reads a T.6 page written by ppm2tiff', () => {
    const [page, ...rest] = readTiff(files.g4);
    assert.equal(rest.length, 0);
    assert.equal(page.width, 1728);
    assert.equal(page.height, 2156);
    assert.deepEqual([page.xResolution, page.yResolution, page.resolutionUnit], [204, 196, 'inch']);
    assert.deepEqual(pageDpi(page), { x: 204, y: 196 });
    assert.equal(page.compression, TiffCompression.t6);
    assert.equal(page.photometric, 0);
    assert.equal(page.fillOrder, 1);
    assert.equal(page.strips.length, 1);
    assert.ok(page.strips[0].length > 1000);
    assert.equal(page.description, 'remote +1 217 555 0143');
  });

  it('reads FillOrder 2 (tiffcp -f lsb2msb): the same code with each byte bit-reversed', () => {
    const [msb] = readTiff(files.g4);
    const [lsb] = readTiff(files.lsbFirst);
    assert.equal(lsb.fillOrder, 2);
    assert.deepEqual(reverseBits(lsb.strips[0]), msb.strips[0]);
  });

  it('reads big-endian files', () => {
    assert.equal(files.bigEndian[0], 0x4d);
    const [be] = readTiff(files.bigEndian);
    const [le] = readTiff(files.g4);
    assert.deepEqual({ ...be, strips: [] }, { ...le, strips: [] });
    assert.deepEqual(be.strips, le.strips);
  });

  it('reads T.4 options and multi-strip pages', () => {
    const [t4] = readTiff(files.t4);
    assert.equal(t4.compression, TiffCompression.t4);
    assert.equal(t4.t4Options, 5); // 2-D coding + fill bits
    const [striped] = readTiff(files.strips);
    assert.equal(striped.rowsPerStrip, 64);
    assert.equal(striped.strips.length, Math.ceil(2156 / 64));
  });

  it('reads every page of a multi-page file', async () => {
    const { page } = await makeFaxFixture(FAX_DOCUMENTS[1], { resolution: 'standard' });
    const pages = readTiff(await encodeFaxTiff([page, page, page]));
    assert.equal(pages.length, 3);
    for (const p of pages) assert.deepEqual([p.height, p.yResolution], [1078, 98]);
  });

  it('refuses malformed files with typed errors', () => {
    const code = (bytes: Uint8Array) => {
      try {
        readTiff(bytes);
      } catch (err) {
        assert.ok(err instanceof TiffError);
        return err.code;
      }
      assert.fail('expected a TiffError');
    };
    assert.equal(code(new TextEncoder().encode('%PDF-1.7 not a tiff')), 'not-tiff');
    assert.equal(code(new Uint8Array([0x49, 0x49])), 'not-tiff');
    assert.equal(code(new Uint8Array([0x49, 0x49, 43, 0, 8, 0, 0, 0])), 'unsupported'); // BigTIFF
    assert.equal(code(files.g4.subarray(0, files.g4.length - 200)), 'truncated');

    // First IFD offset pointing past the end of the file.
    const farIfd = files.g4.slice(0, 64);
    new DataView(farIfd.buffer).setUint32(4, 1_000_000, true);
    assert.equal(code(farIfd), 'truncated');

    // The IFD's next-IFD pointer aimed back at itself.
    const loop = files.g4.slice();
    const view = new DataView(loop.buffer);
    const ifd = view.getUint32(4, true);
    view.setUint32(ifd + 2 + view.getUint16(ifd, true) * 12, ifd, true);
    assert.equal(code(loop), 'bad-ifd');

    // ImageWidth's tag number changed to an unknown private tag.
    const noWidth = files.g4.slice();
    const nv = new DataView(noWidth.buffer);
    const at = nv.getUint32(4, true);
    for (let i = 0; i < nv.getUint16(at, true); i++) {
      if (nv.getUint16(at + 2 + i * 12, true) === 256) nv.setUint16(at + 2 + i * 12, 65000, true);
    }
    assert.equal(code(noWidth), 'missing-tag');
  });
});
