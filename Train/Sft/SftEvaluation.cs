// SftEvaluation: what `moe sft` prints at its end and `moe eval --sft` on demand, on a seeded
// sample of the held-out conversations (whole namespaces never trained on):
//   - answer-only cross-entropy: the mean loss of the answer tokens and their closing eos given the
//     templated question (teacher forcing), against the unigram answer baseline (training answer
//     token frequencies, add-one smoothed over V);
//   - greedy answers (at most MaxAnswerTokens) scored by exact match and ROUGE-L (AnswerScores),
//     beside the three AnswerBaselines and, when given, the base model prompted as it was
//     pretrained: the member's title line, then the section's label ("Returns: ", "name: ", ...),
//     its continuation up to the first line break.
// It is not a benchmark suite: one seeded sample, no confidence intervals; the seed is reported.
using System.Text.Json.Nodes;
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Sft;

public sealed record SftEvalReport(int Examples, ulong Seed, long AnswerTokens, double AnswerLoss, double UnigramLoss,
    IReadOnlyList<(string Name, double ExactMatch, double RougeL)> Answers)
{
    public void Print(TextWriter output)
    {
        output.WriteLine($"sft eval: {Examples} held-out conversations (seed {Seed}), {AnswerTokens:N0} answer tokens");
        output.WriteLine($"  answer-only cross-entropy {AnswerLoss:F4} (unigram answer baseline {UnigramLoss:F4}: {(AnswerLoss < UnigramLoss ? "beaten" : "NOT beaten")})");
        output.WriteLine($"  greedy answers                        exact match   ROUGE-L");
        foreach (var (name, em, rouge) in Answers) output.WriteLine($"    {name,-34} {em,10:P1}   {rouge,7:F3}");
        var lookup = Answers.FirstOrDefault(a => a.Name == AnswerBaselines.Names[2]);
        if (lookup.Name is not null && Answers[0].RougeL <= lookup.RougeL)
            output.WriteLine($"  the fine-tuned model does not beat the same-name lookup on ROUGE-L ({Answers[0].RougeL:F3} ≤ {lookup.RougeL:F3})");
    }

    public JsonObject ToJson() => new()
    {
        ["examples"] = Examples,
        ["seed"] = Seed,
        ["answer_tokens"] = AnswerTokens,
        ["answer_loss"] = AnswerLoss,
        ["unigram_answer_loss"] = UnigramLoss,
        ["answers"] = new JsonArray(Answers.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["exact_match"] = a.ExactMatch, ["rouge_l"] = a.RougeL }).ToArray()),
    };
}

public static class SftEvaluation
{
    public const int MaxAnswerTokens = 48;

    private static readonly Sampler Greedy = new(temperature: 0, topP: 1, seed: 0);   // argmax: no random state

    /// <param name="baseModel">The pretrained model and its tokenizer, for the pretraining-format baseline; null to skip it.</param>
    public static SftEvalReport Run(ILanguageModel model, ChatTemplate template, InstructionSet set, int examples, ulong seed,
        (ILanguageModel Model, BpeTokenizer Tokenizer)? baseModel = null)
    {
        if (examples < 1) throw new UsageException($"--eval-examples {examples}: expected >= 1");
        var order = PackedBatches.Permutation(set.HeldOut.Count, seed);
        var sample = order.Take(examples).Select(i => set.HeldOut[i]).ToList();
        var backend = model.Module.Parameters().First().Backend;
        var unigram = UnigramCounts(set.Training, template);
        double total = unigram.Sum() + unigram.Length;

        double loss = 0, unigramLoss = 0;
        long tokens = 0;
        var names = new List<string> { "fine-tuned model" };
        names.AddRange(AnswerBaselines.Names);
        if (baseModel is not null) names.Add("base model, pretraining format");
        var (exact, rouge) = (new double[names.Count], new double[names.Count]);
        var baselines = new AnswerBaselines(set.Training);
        using (Grad.NoGrad())
        {
            foreach (var conversation in sample)
            {
                using var scope = new TensorScope();
                var (ids, learned) = template.Encode(conversation.Messages);
                var targets = Enumerable.Range(1, ids.Length - 1).Select(i => learned[i] ? ids[i] : PackedBatches.IgnoreIndex).ToArray();
                int kept = targets.Count(t => t != PackedBatches.IgnoreIndex);
                var output = model.Forward(Tensor.FromArray(ids[..^1], [1, ids.Length - 1], backend), Tensor.FromArray(targets, [1, targets.Length], backend));
                loss += output.Losses.Read().LmLoss * kept;
                unigramLoss -= targets.Where(t => t != PackedBatches.IgnoreIndex).Sum(t => Math.Log((unigram[t] + 1) / total));
                tokens += kept;

                var answers = new List<string> { new ChatSession(model, template).Reply(conversation.Question, Greedy, MaxAnswerTokens).Trim() };
                answers.AddRange(baselines.Answers(conversation));
                if (baseModel is { } b) answers.Add(PretrainingFormatAnswer(b.Model, b.Tokenizer, conversation));
                for (int a = 0; a < answers.Count; a++)
                {
                    exact[a] += AnswerScores.ExactMatch(answers[a], conversation.Answer) ? 1 : 0;
                    rouge[a] += AnswerScores.RougeL(answers[a], conversation.Answer);
                }
            }
        }
        int n = sample.Count;
        return new SftEvalReport(n, seed, tokens, loss / tokens, unigramLoss / tokens,
            names.Select((name, a) => (name, exact[a] / n, rouge[a] / n)).ToList());
    }

    // Frequencies of the answer tokens (and closing eos) the training conversations teach.
    private static long[] UnigramCounts(IReadOnlyList<Conversation> training, ChatTemplate template)
    {
        var counts = new long[template.Tokenizer.VocabSize];
        foreach (var ids in training.AsParallel().Select(c => template.Tokenizer.Encode(" " + c.Answer)).ToList())
            foreach (int t in ids) counts[t]++;
        counts[template.EosId] += training.Count;
        return counts;
    }

    // The document the base model read: <|endoftext|>, the title line, the section's label.
    private static string PretrainingFormatAnswer(ILanguageModel model, BpeTokenizer tokenizer, Conversation conversation)
    {
        if (conversation.Origin is not { } origin) return "";
        string tail = origin.LookupKey.Split(' ')[^1];
        string label = origin.Kind switch
        {
            QuestionKind.Parameter => tail + ": ",
            QuestionKind.Returns => "Returns: ",
            QuestionKind.Exception => $"Throws {tail}: ",
            _ => "",
        };
        int[] prompt = [.. tokenizer.EndOfTextId is int eot ? [eot] : Array.Empty<int>(), .. tokenizer.Encode(XmlDocText.Title(origin.MemberId) + "\n" + label)];
        var text = new System.Text.StringBuilder();
        TextGenerator.Generate(model, tokenizer, prompt, MaxAnswerTokens, Greedy, piece => text.Append(piece),
            tokenizer.EndOfTextId is int stop ? [stop] : []);
        return text.ToString().Split('\n')[0].Trim();
    }
}
