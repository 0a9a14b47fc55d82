// Read a DICOM SR with dcmjs' Cornerstone adapter, the code OHIF uses to restore
// measurements from a TID 1500 report, and print what it restores as JSON:
// { "<tool>": [ { sop, label, longestDiameter, shortestDiameter, length, handles } ] }.
// Usage: node read_sr_as_ohif.js REPORT.dcm
"use strict";
const fs = require("fs");
const dcmjs = require("dcmjs");

const bytes = fs.readFileSync(process.argv[2]);
const message = dcmjs.data.DicomMessage.readFile(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
dataset._meta = dcmjs.data.DicomMetaDictionary.namifyDataset(message.meta);

const log = console.log;
console.log = () => {};  // the adapter logs every measurement it restores
const state = dcmjs.adapters.Cornerstone.MeasurementReport.generateToolState(dataset);
console.log = log;

const meaning = finding => {
    if (!finding) return null;
    const item = Array.isArray(finding) ? finding[0] : finding;
    return item ? item.CodeMeaning : null;
};
const restored = {};
for (const [tool, items] of Object.entries(state)) {
    if (!items.length) continue;
    restored[tool] = items.map(m => ({
        sop: m.sopInstanceUid,
        label: meaning(m.finding),
        longestDiameter: m.longestDiameter === undefined ? null : Number(m.longestDiameter),
        shortestDiameter: m.shortestDiameter === undefined ? null : Number(m.shortestDiameter),
        length: m.length === undefined ? null : Number(m.length),
        handles: Object.fromEntries(Object.entries(m.handles)
            .filter(([name]) => name !== "textBox")
            .map(([name, point]) => [name, [point.x, point.y]])),
    }));
}
process.stdout.write(JSON.stringify(restored));
