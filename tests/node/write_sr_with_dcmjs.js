// Write a TID 1500 report with dcmjs' own Cornerstone adapter, as OHIF v2 saves its
// measurements: MeasurementReport.generateReport from a cornerstoneTools 4 tool state.
// Usage: node write_sr_with_dcmjs.js INPUT.json OUTPUT.dcm
// INPUT: { studyInstanceUID, seriesInstanceUID, sopClassUID,
//          images: { "<sopInstanceUID>": { Length: [...], Bidirectional: [...] } } }
// where each tool entry is the tool's data (handles in pixel coordinates, lengths in mm).
"use strict";
const fs = require("fs");
const dcmjs = require("dcmjs");

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const toolState = {};
for (const [sop, tools] of Object.entries(input.images)) {
    toolState[`recist:${sop}`] = Object.fromEntries(
        Object.entries(tools).map(([tool, data]) => [tool, { data }]));
}
const metadata = {
    get(module, imageId) {
        const sop = imageId.slice("recist:".length);
        if (module === "generalSeriesModule") {
            return { studyInstanceUID: input.studyInstanceUID,
                     seriesInstanceUID: input.seriesInstanceUID };
        }
        if (module === "sopCommonModule") {
            return { sopClassUID: input.sopClassUID, sopInstanceUID: sop };
        }
        if (module === "frameNumber") return 1;
        return undefined;
    },
};
const log = console.log;
console.log = () => {};
const report = dcmjs.adapters.Cornerstone.MeasurementReport.generateReport(toolState, metadata);
console.log = log;
fs.writeFileSync(process.argv[3], Buffer.from(dcmjs.data.datasetToBuffer(report.dataset)));
